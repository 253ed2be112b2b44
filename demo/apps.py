"""The demo store and the benchmark data: seed_demo and generate_bench_data. No models."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
