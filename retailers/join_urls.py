from django.urls import path

from retailers import join_views, staff_views

app_name = "stores"

urlpatterns = [
    path("join/<slug:slug>/", join_views.join, name="join"),
    path("s/<slug:slug>/qr.svg", join_views.join_qr_svg, name="qr_svg"),
    path("s/<slug:slug>/qr.png", join_views.join_qr_png, name="qr_png"),
    path("stores/", join_views.my_stores, name="mine"),
    path("stores/<slug:slug>/", join_views.my_store_update, name="update"),
    path("stores/<slug:slug>/leave/", join_views.my_store_leave, name="leave"),
    path("console/<slug:slug>/staff/", staff_views.staff_list, name="staff"),
    path(
        "console/<slug:slug>/staff/<int:membership_id>/remove/",
        staff_views.staff_remove_view,
        name="staff_remove",
    ),
    path(
        "console/<slug:slug>/staff/invitations/<int:invitation_id>/withdraw/",
        staff_views.invitation_withdraw_view,
        name="invitation_withdraw",
    ),
    path("invitations/<str:token>/", staff_views.invitation, name="invitation"),
]
