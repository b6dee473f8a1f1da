"""The chat part of the web app."""
