"""Content-Security-Policy and Permissions-Policy on every response.

The policy itself is ``CONTENT_SECURITY_POLICY`` in settings (django-csp). This
middleware is django-csp's, with three narrow additions it cannot express in
settings:

- the photo bucket's origin in ``img-src`` when photos are on S3: the shot page's
  ``<img>`` is redirected to a presigned URL there (shots/photos.py);
- the hash of 500.html's inline ``<style>`` on 5xx answers: that page is rendered
  without static files on purpose, so it still renders while they are broken;
- ``'unsafe-inline'`` styles under /admin/ only: Django admin's own templates and
  our admin's ``format_html`` cells carry inline styles. Scripts stay ``'self'``
  there too.

Permissions-Policy turns off the powerful browser features the site never uses,
so an injected script or a framed page cannot ask for them. ``camera=()`` too:
the photo upload is an ``<input type="file" capture>``, which hands over to the
phone's camera app and is not governed by the camera permission (that is
getUserMedia, which we do not use).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import re
from urllib.parse import urlsplit

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.core.files.storage import Storage, storages
from django.http import HttpRequest, HttpResponseBase
from django.template.loader import get_template

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/admin/"
# Only features Chromium knows: an unknown name is a console error on every page.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
)
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _is_viewer_document(response: HttpResponseBase) -> bool:
    """A raster image or a PDF, which the browser shows in its own viewer page.

    Chromium styles that viewer inline, so a style-src policy on the image
    itself is a console error per opened counter card or photo, and protects
    nothing: such a file runs no script. SVG keeps the policy: it can.
    """
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "application/pdf":
        return True
    return content_type.startswith("image/") and content_type != "image/svg+xml"


class SecurityHeadersMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not _is_viewer_document(response):
            response = super().process_response(request, response)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        update: dict[str, list[str]] = {
            name: list(values) for name, values in (parts.update or {}).items()
        }
        if origin := media_origin(storages["default"]):
            update.setdefault("img-src", []).append(origin)
        if response.status_code >= 500:
            update.setdefault("style-src", []).extend(inline_style_hashes("500.html"))
        if request.path_info.startswith(ADMIN_PREFIX):
            update.setdefault("style-src", []).append(UNSAFE_INLINE)
        parts.update = update or None
        return parts


@functools.cache
def inline_style_hashes(template_name: str) -> tuple[str, ...]:
    """CSP sources for each ``<style>`` block in a template's source.

    Only for templates whose style blocks hold no template tags, so the source
    is the rendered text the browser hashes.
    """
    source = get_template(template_name).template.source  # type: ignore[attr-defined]
    return tuple(
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(block.encode()).digest()).decode("ascii")
        )
        for block in _STYLE_BLOCK.findall(source)
    )


def media_origin(storage: Storage) -> str | None:
    """The origin presigned photo URLs point at, or None when photos are served by us."""
    # Cached on the storage: settings overrides in tests build a new one.
    cached: str | bool | None = storage.__dict__.get("_csp_media_origin", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    origin = None
    if getattr(storage, "querystring_auth", False):
        try:
            # Signing is local (no request to the bucket); the name is never fetched.
            url = urlsplit(storage.url("csp-origin-probe"))
            origin = f"{url.scheme}://{url.netloc}"
        except Exception:
            # No credentials yet: the photos would not load anyway. Try again next
            # time, but say so once, not on every response.
            if not storage.__dict__.get("_csp_origin_warned"):
                logger.warning("Could not work out the photo bucket's origin for img-src")
                storage.__dict__["_csp_origin_warned"] = True
            return None
    storage.__dict__["_csp_media_origin"] = origin
    return origin
