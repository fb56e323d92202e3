"""Celery app and tasks: thin adapters between the store and the heuristics core."""
