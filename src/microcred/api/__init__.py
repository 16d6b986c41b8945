"""The REST API (FastAPI): a thin adapter over the services."""

from microcred.api.app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
