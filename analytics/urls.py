from django.urls import path

from analytics import views as analytics_views

app_name = "analytics"

urlpatterns = [
    path("my-game/", analytics_views.my_game, name="my_game"),
    path("my-game/compare/", analytics_views.compare_periods, name="compare"),
]
