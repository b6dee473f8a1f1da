"""Starts and supervises the whole assistant on one machine (make run, tests, bench)."""
