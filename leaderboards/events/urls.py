"""Store events, the golfers' pages under /s/<store>/events/. The console's are in console/urls.py."""

from django.urls import path

from leaderboards.events import views

app_name = "events"

urlpatterns = [
    path("s/<slug:slug>/events/", views.event_list, name="list"),
    path("s/<slug:slug>/events/<int:pk>/", views.event_detail, name="detail"),
    path("s/<slug:slug>/events/<int:pk>/enter/", views.event_enter, name="enter"),
    path("s/<slug:slug>/events/<int:pk>/results/", views.event_results, name="results"),
]
