"""Readiness: how ready a person is for a job search before they need one (the domain package)."""

MODEL_VERSION = "1.0.0"

__all__ = ["MODEL_VERSION"]
