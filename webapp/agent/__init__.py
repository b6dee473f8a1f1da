"""The agent part of the web app."""
