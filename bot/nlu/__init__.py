"""Custom Rasa NLU components for Chinese claim reporting (see README.md beside this file)."""
