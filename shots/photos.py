"""Answering with a shot's photo, once the caller's view has checked access.

Photos are private: no URL that can be guessed or shared ever serves one.
On the file system Django streams the bytes itself. On S3 the browser is
sent to a presigned URL that lives AWS_QUERYSTRING_EXPIRE seconds, so web
workers do not spend their time relaying bytes the bucket can serve.
"""

from __future__ import annotations

from django.core.files.storage import Storage
from django.http import FileResponse, Http404, HttpResponseBase, HttpResponseRedirect

from shots.models import Shot


def photo_response(shot: Shot) -> HttpResponseBase:
    """The photo of ``shot``; 404 when it has none. The caller has checked access."""
    if not shot.image:
        raise Http404("This shot has no photo.")
    if _signs_its_urls(shot.image.storage):
        response: HttpResponseBase = HttpResponseRedirect(shot.image.url)
        # The signed link is a bearer token: no cache may keep the redirect.
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        photo = shot.image.open("rb")
    except FileNotFoundError:
        raise Http404("The photo file is missing.") from None
    # Stored photos are always re-encoded JPEGs; nosniff (settings) keeps it so.
    response = FileResponse(photo, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _signs_its_urls(storage: Storage) -> bool:
    # Only a storage that presigns (S3 with querystring auth) may hand out its
    # URL; any other URL would be a public one, so such photos are streamed.
    return bool(getattr(storage, "querystring_auth", False))
