"""Golfer analytics (My game): queries, cache, pages and API, above shots. No models."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
