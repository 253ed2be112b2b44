"""Golfers joining stores and managing their links, and staff accepting an invitation."""

from django.urls import path

from retailers import join_views

app_name = "stores"

urlpatterns = [
    path("join/<slug:slug>/", join_views.join, name="join"),
    path("s/<slug:slug>/qr.svg", join_views.join_qr_svg, name="qr_svg"),
    path("s/<slug:slug>/qr.png", join_views.join_qr_png, name="qr_png"),
    path(
        "s/<slug:slug>/counter-card.png",
        join_views.counter_card,
        {"extension": "png"},
        name="counter_card_png",
    ),
    path(
        "s/<slug:slug>/counter-card.pdf",
        join_views.counter_card,
        {"extension": "pdf"},
        name="counter_card_pdf",
    ),
    path("signed-in/", join_views.after_login, name="after_login"),
    path("consoles/", join_views.consoles, name="consoles"),
    path("stores/", join_views.my_stores, name="mine"),
    path("stores/<slug:slug>/", join_views.my_store_update, name="update"),
    path("stores/<slug:slug>/leave/", join_views.my_store_leave, name="leave"),
    path("invitations/<str:token>/", join_views.invitation, name="invitation"),
]
