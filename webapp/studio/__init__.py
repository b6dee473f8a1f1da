"""The studio part of the web app."""
