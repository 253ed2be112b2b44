from django.apps import AppConfig


class ShotsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shots"

    def ready(self) -> None:
        # /metrics lives in golfshots/, below this app: hand it the query
        # that counts the analysis backlog.
        from golfshots import monitoring
        from shots.selectors import pipeline_counts

        monitoring.pipeline_counts_register(pipeline_counts)
