"""Golfers joining stores and managing their links, and staff accepting an invitation."""

from django.urls import path

from retailers import join_views

app_name = "stores"

urlpatterns = [
    path("join/<slug:slug>/", join_views.join, name="join"),
    path("s/<slug:slug>/qr.svg", join_views.join_qr_svg, name="qr_svg"),
    path("s/<slug:slug>/qr.png", join_views.join_qr_png, name="qr_png"),
    path("stores/", join_views.my_stores, name="mine"),
    path("stores/<slug:slug>/", join_views.my_store_update, name="update"),
    path("stores/<slug:slug>/leave/", join_views.my_store_leave, name="leave"),
    path("invitations/<str:token>/", join_views.invitation, name="invitation"),
]
