"""Store events: the staff console under /console/<store>/events/ and golfers' pages under /s/<store>/events/."""

from django.urls import path

from leaderboards import event_views

app_name = "events"

urlpatterns = [
    path("console/<slug:slug>/events/", event_views.console_event_list, name="console_list"),
    path("console/<slug:slug>/events/new/", event_views.console_event_new, name="console_new"),
    path(
        "console/<slug:slug>/events/<int:pk>/edit/",
        event_views.console_event_edit,
        name="console_edit",
    ),
    path("s/<slug:slug>/events/", event_views.event_list, name="list"),
    path("s/<slug:slug>/events/<int:pk>/", event_views.event_detail, name="detail"),
    path("s/<slug:slug>/events/<int:pk>/enter/", event_views.event_enter, name="enter"),
    path("s/<slug:slug>/events/<int:pk>/results/", event_views.event_results, name="results"),
]
