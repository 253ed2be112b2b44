"""Whole responses of public pages, cached for visitors who are not logged in.

A cached board page still costs a render around its cached fragments and a
few Redis reads; the kiosk TVs and the visitors who never log in see the same
bytes every time. For them a page is stored whole (body, content type and the
headers the view set) with the cache versions it was rendered under, and one
Redis round trip serves it: the entry and its versions are read together.

What keeps it exact:

- **Versions.** The view names the version keys (golfshots/cache_scopes.py)
  its page depends on and reads them before it renders; the entry keeps
  those values. A bump after that makes the entry stale, so a new record is
  on the next request, as with the fragments.
- **Time.** What no version covers (a store's midnight, an event starting or
  ending, the store list and a store's units, cached for a minute) is the
  view's ``valid_until``: the entry is not served from that moment on.
- **Who.** Only a GET without a session cookie and without a messages cookie
  is served from or stored in this cache: such a visitor is not logged in and
  has no message waiting, so the page is the same for all of them. A page
  whose rendering used the CSRF token, set a cookie or queued a message is not
  stored. Hits are rebuilt as a fresh ``HttpResponse`` inside the view, so the
  middleware (security headers, the CSP, the request log) runs on every one.

Every response it serves or stores carries an ``ETag`` (a digest of what the
visitor gets: the body, its type and the headers) with ``Cache-Control:
no-cache``, and a matching ``If-None-Match`` is answered ``304 Not Modified``:
an unchanged kiosk poll costs a 304 and no render. ``Vary: Cookie`` tells
shared caches that a logged-in visitor gets another page.

Fails open: with Redis unreachable nothing is found, the view renders as
usual (its fragments then come from versioned_cache's outage path) and the
store is skipped.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags

from golfshots.versioned_cache import STALE_BOUND_SECONDS, pending_bumps, version_get

logger = logging.getLogger(__name__)

KEY_PREFIX = "rc:"
# Entries are dicts of plain values, marked with this format: a renamed class
# would make every stored entry unreadable (an unpickling error, not a miss).
_FORMAT = 1
# The headers a view sets that belong to the page; Content-Type is kept apart.
_NOT_KEPT_HEADERS = {"content-type", "content-length"}
# Hints, by page, of the version keys its entry names, so that a hit reads the
# entry and its versions in one round trip. Only a hint: the entry's own list
# is what counts, and a page whose hint is wrong costs one read more.
_version_keys_hint: dict[str, tuple[str, ...]] = {}
_HINTS_KEPT = 2000


def is_anonymous_get(request: HttpRequest) -> bool:
    """A GET from a visitor with no session and no messages: the page is everyone's."""
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


class PublicPage:
    """One page's entry in the response cache, for one request.

    In a view::

        page = PublicPage(request, key=f"store:{slug}")
        if (cached := page.cached_response()) is not None:
            return cached
        ...
        page.depends_on([boards_version_key(retailer.pk)])  # before rendering
        response = render(...)
        return page.store(response, valid_until=...)

    ``key`` must name everything the page depends on besides the versions
    and the time: the view, its store, the query parameters that shape it.
    """

    def __init__(self, request: HttpRequest, *, key: str) -> None:
        self.request = request
        self.key = KEY_PREFIX + key
        self.eligible = is_anonymous_get(request)
        self._version_keys: tuple[str, ...] = ()
        self._versions: tuple[int | None, ...] = ()

    def cached_response(self) -> HttpResponse | None:
        """The stored page (or a 304) if it is current; None: render it."""
        if not self.eligible:
            return None
        hinted = _version_keys_hint.get(self.key, ())
        fetched = _get_many([self.key, *hinted])
        entry = fetched.get(self.key)
        if not isinstance(entry, dict) or entry.get("format") != _FORMAT:
            return None
        version_keys = tuple(entry["version_keys"])
        if version_keys != hinted:
            _remember_hint(self.key, version_keys)
            fetched = _get_many(version_keys)
        current = tuple(fetched.get(key) for key in version_keys)
        if current != tuple(entry["versions"]) or None in current:
            return None
        if timezone.now().timestamp() >= entry["valid_until"]:
            return None
        return self._answer(
            body=entry["body"],
            content_type=entry["content_type"],
            headers=entry["headers"],
            etag=entry["etag"],
        )

    def depends_on(self, version_keys: Sequence[str]) -> None:
        """Read the versions the page is about to be rendered under (before rendering it)."""
        if not self.eligible:
            return
        self._version_keys = tuple(version_keys)
        self._versions = tuple(version_get(key) for key in self._version_keys)

    def store(self, response: HttpResponse, *, valid_until: datetime) -> HttpResponse:
        """The view's response, stored for the next visitors when it is the same for all.

        Returns the response to send: a 304 when the visitor already has it.
        """
        if not self._storable(response):
            return response
        body = response.content
        content_type = response["Content-Type"]
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in _NOT_KEPT_HEADERS
        }
        etag = _etag(body, content_type, headers)
        seconds = int(valid_until.timestamp() - timezone.now().timestamp())
        if pending_bumps:
            # A bump this process owes has not reached Redis: the versions read
            # may be the old ones (as for the fragments, golfshots/versioned_cache.py).
            seconds = min(seconds, STALE_BOUND_SECONDS)
        if seconds > 0 and None not in self._versions:
            entry = {
                "format": _FORMAT,
                "body": body,
                "content_type": content_type,
                "headers": headers,
                "etag": etag,
                "version_keys": self._version_keys,
                "versions": self._versions,
                "valid_until": valid_until.timestamp(),
            }
            try:
                cache.set(self.key, entry, seconds)
            except Exception:
                logger.warning("Could not cache the page %s", self.key, exc_info=True)
            _remember_hint(self.key, self._version_keys)
        if _matches(self.request, etag):
            return _not_modified(etag)
        _mark(response, etag)
        return response

    def _storable(self, response: HttpResponse) -> bool:
        if not self.eligible or not self._version_keys:
            return False
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        # The page used the CSRF token (a form), which is the visitor's own.
        if self.request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False
        # A message queued while rendering is the visitor's own too. len() does
        # not mark the messages as read; iterating would.
        return not len(get_messages(self.request))

    def _answer(
        self, *, body: bytes, content_type: str, headers: dict[str, str], etag: str
    ) -> HttpResponse:
        if _matches(self.request, etag):
            return _not_modified(etag)
        response = HttpResponse(body, content_type=content_type)
        for name, value in headers.items():
            response[name] = value
        _mark(response, etag)
        return response


def _get_many(keys: Sequence[str]) -> dict[str, Any]:
    if not keys:
        return {}
    try:
        # django-redis answers {} when Redis is unreachable: a miss.
        return cache.get_many(list(keys))
    except Exception:
        logger.warning("Could not read cached pages", exc_info=True)
        return {}


def _remember_hint(key: str, version_keys: tuple[str, ...]) -> None:
    if len(_version_keys_hint) >= _HINTS_KEPT:
        _version_keys_hint.clear()
    _version_keys_hint[key] = version_keys


def _etag(body: bytes, content_type: str, headers: dict[str, str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(content_type.encode())
    for name, value in sorted(headers.items()):
        digest.update(f"\n{name}: {value}".encode())
    digest.update(b"\n\n")
    digest.update(body)
    return f'"{digest.hexdigest()}"'


def _matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    etags = parse_etags(header)
    # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
    return "*" in etags or etag in {tag.removeprefix("W/") for tag in etags}


def _mark(response: HttpResponse, etag: str) -> None:
    response["ETag"] = etag
    # Stored, but asked again every time: the ETag makes an unchanged page a 304.
    response["Cache-Control"] = "no-cache"
    patch_vary_headers(response, ["Cookie"])


def _not_modified(etag: str) -> HttpResponseNotModified:
    response = HttpResponseNotModified()
    _mark(response, etag)
    return response
