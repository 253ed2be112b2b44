"""The store console: every /console/<store>/ page, the staff API and exports. No models."""

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "console"
