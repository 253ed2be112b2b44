"""Every page of the store console, /console/<store>/..., under the ``console:`` namespace."""

from django.urls import path

from console import event_views, import_views, staff_views, views

app_name = "console"

urlpatterns = [
    path("console/<slug:slug>/", views.dashboard, name="dashboard"),
    path("console/<slug:slug>/customers/", views.customer_list, name="customers"),
    path(
        "console/<slug:slug>/customers/<int:golfer_id>/",
        views.customer_detail,
        name="customer",
    ),
    path("console/<slug:slug>/customers/<int:golfer_id>/record/", views.record, name="record"),
    path(
        "console/<slug:slug>/customers/<int:golfer_id>/game/",
        views.customer_game,
        name="customer_game",
    ),
    path(
        "console/<slug:slug>/customers/<int:golfer_id>/import/",
        import_views.customer_import,
        name="customer_import",
    ),
    path("console/<slug:slug>/imports/<int:pk>/", import_views.import_detail, name="import"),
    path(
        "console/<slug:slug>/imports/<int:pk>/status/",
        import_views.import_status,
        name="import_status",
    ),
    path("console/<slug:slug>/record/", views.record_pick, name="record_pick"),
    path("console/<slug:slug>/verification/", views.verification_queue, name="queue"),
    path("console/<slug:slug>/verification/verify/", views.queue_verify, name="queue_verify"),
    path("console/<slug:slug>/verification/log/", views.review_log, name="review_log"),
    path("console/<slug:slug>/shots/<int:pk>/", views.shot_review, name="shot"),
    path("console/<slug:slug>/shots/<int:pk>/photo/", views.shot_photo, name="shot_photo"),
    path("console/<slug:slug>/shots/<int:pk>/verify/", views.shot_verify, name="shot_verify"),
    path("console/<slug:slug>/shots/<int:pk>/exclude/", views.shot_exclude, name="shot_exclude"),
    path("console/<slug:slug>/shots/<int:pk>/include/", views.shot_include, name="shot_include"),
    path("console/<slug:slug>/shots/<int:pk>/correct/", views.shot_correct, name="shot_correct"),
    path("console/<slug:slug>/settings/", views.store_settings, name="settings"),
    path("console/<slug:slug>/export/shots.csv", views.export_shots, name="export_shots"),
    path(
        "console/<slug:slug>/export/customers.csv",
        views.export_customers,
        name="export_customers",
    ),
    path("console/<slug:slug>/events/", event_views.event_list, name="events"),
    path("console/<slug:slug>/events/new/", event_views.event_new, name="event_new"),
    path("console/<slug:slug>/events/<int:pk>/edit/", event_views.event_edit, name="event_edit"),
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
]
