"""Routes under /api/v1/. Each app's api.py holds its views."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import TokenObtainPairView, TokenRefreshView
from analytics.api import AnalyticsView
from console.api import (
    StoreCustomerListView,
    StoreListView,
    StoreShotListView,
    StoreShotVerifyView,
)
from leaderboards.api import LeaderboardView
from leaderboards.events.api import EventViewSet
from shots.api import PersonalBestViewSet, ShotViewSet
from shots.import_api import ImportViewSet
from shots.session_api import PracticeSessionViewSet

router = SimpleRouter()
router.register("shots", ShotViewSet, basename="api-shot")
router.register("personal-bests", PersonalBestViewSet, basename="api-personal-best")
router.register("events", EventViewSet, basename="api-event")
router.register("sessions", PracticeSessionViewSet, basename="api-session")
router.register("imports", ImportViewSet, basename="api-import")

urlpatterns = [
    path("auth/token/", TokenObtainPairView.as_view(), name="api-token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="api-token-refresh"),
    path("leaderboards/", LeaderboardView.as_view(), name="api-leaderboards"),
    path("analytics/", AnalyticsView.as_view(), name="api-analytics"),
    path("retailers/", StoreListView.as_view(), name="api-retailers"),
    path(
        "retailers/<slug:slug>/customers/",
        StoreCustomerListView.as_view(),
        name="api-retailer-customers",
    ),
    path("retailers/<slug:slug>/shots/", StoreShotListView.as_view(), name="api-retailer-shots"),
    path(
        "retailers/<slug:slug>/shots/<int:pk>/verify/",
        StoreShotVerifyView.as_view(),
        name="api-retailer-shot-verify",
    ),
    *router.urls,
]
