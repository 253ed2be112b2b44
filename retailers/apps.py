from django.apps import AppConfig


class RetailersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "retailers"
