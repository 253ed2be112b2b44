from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic.base import RedirectView
from drf_spectacular.views import SpectacularAPIView

from golfshots import health, views
from leaderboards import home_views

urlpatterns = [
    # The golfer home (visitors get the landing page): leaderboards/home_views.py.
    path("", home_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("shots.urls")),
    path("", include("analytics.urls")),
    path("", include("console.urls")),
    path("", include("leaderboards.events.urls")),
    path("", include("leaderboards.urls")),
    path("", include("retailers.join_urls")),
    path("api/v1/", include("golfshots.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", views.api_docs, name="api-docs"),
    # PlatformEndpointsMiddleware answers these three before routing (any Host,
    # plain HTTP); the routes stay for reverse() and for a stack without it.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    # /healthz through the whole middleware stack: the benchmarks' bare view.
    path("ping", health.ping, name="ping"),
    path("admin/", admin.site.urls),
    # Browsers and crawlers ask for /favicon.ico whatever the page links.
    path(
        "favicon.ico",
        # lazy: the hashed name comes from the static manifest, read on first request.
        RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True),
        name="favicon",
    ),
]

# Under /api/ these answer JSON ({"detail": ...}); elsewhere Django's pages.
handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
