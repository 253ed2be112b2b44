"""Leaderboard pages: /leaderboards/, a store's boards at /s/<store>/ and its kiosk."""

from django.urls import path

from leaderboards import views

app_name = "leaderboards"

urlpatterns = [
    path("leaderboards/", views.board, name="board"),
    path("leaderboards/board/", views.board_partial, name="board_partial"),
    path("s/<slug:slug>/", views.store, name="store"),
    path("s/<slug:slug>/kiosk/", views.kiosk, name="kiosk"),
    path("s/<slug:slug>/kiosk/slide/", views.kiosk_slide, name="kiosk_slide"),
]
