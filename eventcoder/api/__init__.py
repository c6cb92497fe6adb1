"""The REST API over the event store (FastAPI); ``create_app`` builds it, ``serve`` runs it."""
from eventcoder.api.app import create_app

__all__ = ["create_app"]
