"""Domain logic and Chinese NLU components shared by the Rasa pipeline and the actions."""
