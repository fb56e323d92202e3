"""Celery app and tasks: thin adapters between the store and the heuristics core.

``celery -A workers worker`` starts a worker.
"""

from workers.celery_app import app

__all__ = ["app"]
