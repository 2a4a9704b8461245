"""The REST API under ``/api/v1``: one router per resource, built by ``create_app``."""

from peaceforce.server.api.app import create_app

__all__ = ["create_app"]
