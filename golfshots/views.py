from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from golfshots import monitoring


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus scrape: every process's metrics plus the database gauges."""
    allowed = monitoring.scrape_allowed(
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        authorization=request.headers.get("Authorization", ""),
    )
    if not allowed:
        if not settings.METRICS_TOKEN:
            raise Http404("Not found.")
        response = HttpResponse(
            "/metrics needs a bearer token.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = monitoring.scrape_registry(include_database=True)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
