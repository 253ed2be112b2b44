"""The client side of the fault suite: golfers, their photos, a load generator and probes.

Each client thread is one golfer with a browser session and an API token
(requests.Session), looping without pause over a mix of pages, API reads and
photo uploads, so the load is as much as two sync workers can serve and a
slower server shows as fewer requests. Every request becomes a Sample;
every upload also an UploadRecord, which the accounting checks against the
database at the end.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import io
import itertools
import random
import threading
import time
from dataclasses import dataclass
from hashlib import sha256
from typing import TYPE_CHECKING

import requests
from PIL import Image, ImageDraw

if TYPE_CHECKING:  # Django is set up by chaos.stack before anything here runs
    from accounts.models import User

# As behind the platform's router, which ends TLS and says so (SECURE_PROXY_SSL_HEADER).
ROUTER_HEADERS = {"X-Forwarded-Proto": "https"}
REQUEST_TIMEOUT = 20.0
STORE_SLUG = "demo"  # demo.seed's store: a board with 90 days of shots on it

PAGES = ("/", "/shots/", "/leaderboards/", f"/s/{STORE_SLUG}/")
API_READS = ("/api/v1/shots/", "/api/v1/personal-bests/")
UPLOAD_PATH = "/api/v1/shots/"


@dataclass(frozen=True)
class Golfer:
    user: User
    session_cookie: str


def golfers_create(count: int, *, prefix: str) -> list[Golfer]:
    """Golfers who joined the demo store (on its board), each logged in once."""
    from django.test import Client

    from accounts.models import User
    from retailers.models import Retailer
    from retailers.services import customer_join

    store = Retailer.objects.get(slug=STORE_SLUG)
    golfers = []
    for index in range(count):
        user = User.objects.create_user(f"{prefix}-{index}", f"{prefix}-{index}@example.com")
        customer_join(
            golfer=user,
            retailer=store,
            joined_via="signup",
            leaderboard_consent=True,
            leaderboard_name=f"{prefix.title()} {index}",
            marketing_consent=False,
        )
        browser = Client()
        browser.force_login(user)
        golfers.append(Golfer(user=user, session_cookie=browser.cookies["sessionid"].value))
    return golfers


def api_token(golfer: Golfer) -> str:
    """A fresh access token (they last 5 minutes; each scenario takes its own)."""
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(golfer.user))


class Photos:
    """A different JPEG every time, so no two uploads share a photo hash by accident."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def make(self, *, size: tuple[int, int] = (800, 600), noise: bool = False) -> bytes:
        with self._lock:
            number = next(self._numbers)
        colour = (number * 37 % 256, number * 91 % 256, number * 53 % 256)
        if noise:
            # Photo-like detail: the upload's shrinking then costs what a phone photo's does.
            image = Image.effect_noise(size, 64).convert("RGB")
            ImageDraw.Draw(image).rectangle((40, 40, size[0] // 2, size[1] // 2), fill=colour)
        else:
            image = Image.new("RGB", size, colour)
            ImageDraw.Draw(image).rectangle((60, 60, 320, 200), fill="white")
        ImageDraw.Draw(image).text((80, 100), f"photo {number}", fill="black")
        output = io.BytesIO()
        image.save(output, "JPEG", quality=85)
        return output.getvalue()


@dataclass(frozen=True)
class Sample:
    kind: str  # page, api, upload, healthz, readyz
    path: str
    started: float  # time.monotonic()
    seconds: float
    status: int | None  # None: no HTTP answer at all
    failure: str = ""  # why there was no answer: reset, refused, closed, timeout, ...
    retry_after: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 400

    @property
    def answered_at(self) -> float:
        return self.started + self.seconds


@dataclass(frozen=True)
class UploadRecord:
    golfer_id: int
    sha256: str
    status: int | None
    shot_id: int | None


def failure_kind(error: BaseException) -> str:
    """What a client saw instead of an answer, in the words of the table."""
    if isinstance(error, requests.Timeout):
        return "timeout"
    seen: BaseException | None = error
    chain: list[BaseException] = []
    while seen is not None and len(chain) < 10:
        chain.append(seen)
        chain.extend(arg for arg in seen.args if isinstance(arg, BaseException))
        seen = seen.__cause__ or seen.__context__
    for each in chain:
        if (
            isinstance(each, ConnectionResetError)
            or getattr(each, "errno", None) == errno.ECONNRESET
        ):
            return "reset"
        if isinstance(each, ConnectionRefusedError):
            return "refused"
        if isinstance(each, http.client.RemoteDisconnected | BrokenPipeError):
            return "closed"
    return type(error).__name__


class Client:
    """One golfer's phone: a session cookie for pages, a bearer token for the API."""

    def __init__(self, base_url: str, golfer: Golfer) -> None:
        self.base_url = base_url
        self.golfer = golfer
        self.token = api_token(golfer)
        self.http = requests.Session()
        self.http.headers.update(ROUTER_HEADERS)
        # Set by hand: the server marks its cookies Secure, and this client talks plain HTTP.
        self.http.cookies.set("sessionid", golfer.session_cookie)

    def close(self) -> None:
        self.http.close()

    def _request(
        self, kind: str, method: str, path: str, **options: object
    ) -> tuple[Sample, requests.Response | None]:
        started = time.monotonic()
        try:
            answer = self.http.request(
                method,
                f"{self.base_url}{path}",
                timeout=REQUEST_TIMEOUT,
                **options,  # type: ignore[arg-type]
            )
        except requests.RequestException as error:
            elapsed = time.monotonic() - started
            return Sample(kind, path, started, elapsed, None, failure_kind(error)), None
        elapsed = time.monotonic() - started
        retry_after = "Retry-After" in answer.headers
        return Sample(kind, path, started, elapsed, answer.status_code, "", retry_after), answer

    def get(self, path: str, *, kind: str = "page") -> Sample:
        headers = {"Authorization": f"Bearer {self.token}"} if kind == "api" else {}
        sample, _ = self._request(kind, "GET", path, headers=headers)
        return sample

    def upload(self, photo: bytes) -> tuple[Sample, UploadRecord]:
        """POST the photo to the API at the demo store, as the app does, without an Idempotency-Key."""
        sample, answer = self._request(
            "upload",
            "POST",
            UPLOAD_PATH,
            headers={"Authorization": f"Bearer {self.token}"},
            files={"image": ("screen.jpg", photo, "image/jpeg")},
            data={"retailer": STORE_SLUG},
        )
        shot_id = None
        if sample.ok and answer is not None:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                shot_id = int(answer.json()["id"])
        record = UploadRecord(
            golfer_id=self.golfer.user.pk,
            sha256=sha256(photo).hexdigest(),
            status=sample.status,
            shot_id=shot_id,
        )
        return sample, record


class Load:
    """Client threads, one golfer each, looping over the mix until stopped."""

    def __init__(
        self,
        base_url: str,
        golfers: list[Golfer],
        photos: Photos,
        *,
        seed: int,
        api_share: float = 0.2,
        upload_share: float = 0.05,
    ) -> None:
        self.clients = [Client(base_url, golfer) for golfer in golfers]
        self.photos = photos
        self.seed = seed
        self.api_share = api_share
        self.upload_share = upload_share
        self.samples: list[Sample] = []
        self.uploads: list[UploadRecord] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(client, index), daemon=True)
            for index, client in enumerate(self.clients)
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
        for client in self.clients:
            client.close()

    def _run(self, client: Client, index: int) -> None:
        rng = random.Random(self.seed * 100 + index)
        while not self._stopping.is_set():
            roll = rng.random()
            if roll < self.upload_share:
                sample, record = client.upload(self.photos.make())
                with self._lock:
                    self.uploads.append(record)
            elif roll < self.upload_share + self.api_share:
                sample = client.get(rng.choice(API_READS), kind="api")
            else:
                sample = client.get(rng.choice(PAGES))
            with self._lock:
                self.samples.append(sample)


class Probe:
    """A platform's probe: GET ``path`` every ``interval`` seconds, one at a time."""

    def __init__(self, base_url: str, path: str, *, interval: float = 0.25) -> None:
        self.url = f"{base_url}{path}"
        self.path = path
        self.interval = interval
        self.samples: list[Sample] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=REQUEST_TIMEOUT + 5)

    def _run(self) -> None:
        kind = self.path.strip("/")
        with requests.Session() as http:
            while not self._stopping.is_set():
                started = time.monotonic()
                try:
                    answer = http.get(self.url, timeout=REQUEST_TIMEOUT)
                    sample = Sample(
                        kind, self.path, started, time.monotonic() - started, answer.status_code
                    )
                except requests.RequestException as error:
                    sample = Sample(
                        kind,
                        self.path,
                        started,
                        time.monotonic() - started,
                        None,
                        failure_kind(error),
                    )
                self.samples.append(sample)
                self._stopping.wait(max(0.0, self.interval - sample.seconds))


def p95(samples: list[Sample]) -> float | None:
    if not samples:
        return None
    ordered = sorted(sample.seconds for sample in samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def between(samples: list[Sample], start: float, end: float) -> list[Sample]:
    """The samples whose request started in [start, end)."""
    return [sample for sample in samples if start <= sample.started < end]
