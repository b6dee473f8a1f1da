"""Custom actions of the claim-reporting assistant (rasa-sdk action server).

Thin by design: each action reads slots, calls bot/ (domain logic, Claims API client,
outbox) and utters named responses from domain/*.yml.
"""
