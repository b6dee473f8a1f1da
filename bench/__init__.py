"""`make bench`: one run that measures the stack and writes reports/bench/."""
