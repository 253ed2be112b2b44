from django.urls import path

from shots import import_views, session_views, views

app_name = "shots"

urlpatterns = [
    path("shots/", views.shot_list, name="list"),
    path("shots/new/", views.shot_new, name="new"),
    path("shots/upload/", views.shot_upload, name="upload"),
    path("shots/<int:pk>/", views.shot_detail, name="detail"),
    path("shots/<int:pk>/photo.jpg", views.shot_photo, name="photo"),
    path("shots/<int:pk>/status/", views.shot_status, name="status"),
    path("shots/<int:pk>/confirm/", views.shot_confirm, name="confirm"),
    path("shots/<int:pk>/edit/", views.shot_edit, name="edit"),
    path("shots/<int:pk>/delete/", views.shot_delete, name="delete"),
    path("shots/<int:pk>/discard/", views.shot_discard, name="discard"),
    path("shots/import/", import_views.import_new, name="import_new"),
    path("shots/imports/<int:pk>/", import_views.import_detail, name="import"),
    path("shots/imports/<int:pk>/status/", import_views.import_status, name="import_status"),
    path("bag/", views.bag, name="bag"),
    path("sessions/", session_views.session_list, name="sessions"),
    path("sessions/<int:pk>/", session_views.session_detail, name="session"),
]
