"""The simulated people of bench/load.py: golfers, API clients, store staff and kiosks.

Run by bench/load.py (``locust -f bench/locustfile.py --headless ...``), which
first writes the fixture this file reads (``LOAD_FIXTURE``: sessions, refresh
tokens, stores, photos) and afterwards reads what it records
(``LOAD_SAMPLES``: every request's name, time and outcome). Nothing here
imports Django: locust patches the standard library with gevent, so the
set-up with the ORM happens in bench/load.py's own process.

Every request carries ``X-Forwarded-Proto: https`` and an ``X-Forwarded-For``
of its own per simulated person, as behind the platform's router, so the
per-address throttles and lockouts see many clients. The server marks its
cookies Secure; this client talks plain HTTP to it, so it clears that flag on
the cookies it keeps, standing in for the router's TLS.

Request names start with their group, which bench/load.py's table sums:
``page`` (a golfer's full HTML page), ``console`` (a staff page), ``fragment`` (what htmx fetches: the shot
panel polled every second while a photo is read, kiosk slides), ``api``,
``write`` (a form or API POST), ``sign-in`` (the password check).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from pathlib import Path

from locust import HttpUser, between, constant_pacing, events, task

FIXTURE = json.loads(Path(os.environ["LOAD_FIXTURE"]).read_text())
SAMPLES_PATH = Path(os.environ["LOAD_SAMPLES"])
# Share of arrivals (a golfer opening the site, an app starting) that sign in with a
# password; the rest come back with the session cookie or refresh token they kept.
SIGN_IN_SHARE = float(os.environ.get("LOAD_SIGN_IN_SHARE", "0.05"))
# Weight of "upload a photo" among a golfer's (and an app's) actions; 0 = no uploads.
PHOTO_WEIGHT = int(os.environ.get("LOAD_PHOTO_WEIGHT", "2"))
# How many of each kind of person, relatively: "golfer=75,api=10,staff=8,kiosk=7".
WEIGHTS = {
    kind: int(weight)
    for kind, weight in (
        pair.split("=") for pair in os.environ.get("LOAD_WEIGHTS", "").split(",") if pair
    )
}
REQUEST_TIMEOUT = 30
# How long a golfer watches the shot page (polled every second) before moving on.
POLL_SECONDS = 40

CLUBS = ("driver", "3w", "5h", "5i", "6i", "7i", "8i", "9i", "pw", "sw")
BOARD_METRICS = ("carry", "total", "ball_speed", "club_speed", "smash_factor")
BOARD_PERIODS = ("today", "week", "month", "year", "all")
SHOT_LINK = re.compile(r'href="/shots/(\d+)/"')
CUSTOMER_LINK = re.compile(r'href="/console/[^/]+/customers/(\d+)/"')
STAFF_SHOT_LINK = re.compile(r'href="/console/[^/]+/shots/(\d+)/')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIT_AT_FIELD = re.compile(r'name="hit_at" value="([^"]+)"')
PHOTOS = [Path(path).read_bytes() for path in FIXTURE["photos"]]

samples: list[tuple[float, str, float, int, bool, str]] = []
_golfer_sessions = itertools.cycle(FIXTURE["golfer_sessions"])
_sign_in_golfers = itertools.cycle(FIXTURE["sign_in_golfers"])
_api_tokens = iter(FIXTURE["api_refresh_tokens"])
_staff_sessions = itertools.cycle(FIXTURE["staff_sessions"])
_kiosk_stores = itertools.cycle(FIXTURE["stores"])


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **_kwargs) -> None:
    failure = "" if exception is None else str(exception)[:120]
    samples.append(
        (time.time(), name, response_time, response_length or 0, exception is None, failure)
    )


@events.quitting.add_listener
def _write_samples(environment, **_kwargs) -> None:
    SAMPLES_PATH.write_text(
        json.dumps({"samples": samples, "cpu_warning": bool(_cpu_warnings)}), encoding="utf-8"
    )


_cpu_warnings: list[float] = []


@events.cpu_warning.add_listener
def _note_cpu_warning(environment, cpu_usage, **_kwargs) -> None:
    # The load generator itself ran out of CPU: its times then include its own queueing.
    _cpu_warnings.append(cpu_usage)


def unique_photo() -> bytes:
    """One of the fixture's phone photos with a comment of its own, so no two share a hash.

    The same photo twice from one golfer is answered with the first shot and
    not read again; a JPEG comment segment right after the start marker
    changes the bytes (and the hash) without changing the picture.
    """
    photo = random.choice(PHOTOS)
    comment = uuid.uuid4().hex.encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return photo[:2] + segment + photo[2:]


def typed_values() -> dict[str, float]:
    """Plausible numbers in any units: smash (ball ÷ club) stays consistent either way."""
    club_speed = round(random.uniform(75, 105), 1)
    ball_speed = round(club_speed * random.uniform(1.3, 1.45), 1)
    return {
        "club_speed": club_speed,
        "ball_speed": ball_speed,
        "carry": round(ball_speed * random.uniform(1.2, 1.5), 1),
    }


class _Person(HttpUser):
    abstract = True

    def on_start(self) -> None:
        self.client.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": f"10.{random.randint(0, 255)}.{random.randint(0, 255)}."
                f"{random.randint(1, 254)}",
                "Origin": f"https://{self.host.split('://', 1)[1]}",
                "Referer": f"https://{self.host.split('://', 1)[1]}/",
            }
        )

    def get(self, path: str, name: str, *, expect: int = 200, **kwargs):
        return self._call("GET", path, name, expect=expect, **kwargs)

    def post(self, path: str, name: str, *, expect: int | tuple[int, ...] = 302, **kwargs):
        return self._call("POST", path, name, expect=expect, **kwargs)

    def _call(self, method: str, path: str, name: str, *, expect, **kwargs):
        expected = expect if isinstance(expect, tuple) else (expect,)
        with self.client.request(
            method,
            path,
            name=name,
            catch_response=True,
            allow_redirects=False,
            timeout=REQUEST_TIMEOUT,
            **kwargs,
        ) as response:
            if response.status_code not in expected:
                location = response.headers.get("Location", "")
                response.failure(f"{response.status_code} {location}".strip())
        # The router ends TLS: send the Secure cookies (CSRF, a new session) back over HTTP.
        for cookie in self.client.cookies:
            cookie.secure = False
        return response

    def use_session(self, session_key: str) -> None:
        self.client.cookies.clear()
        self.client.cookies.set("sessionid", session_key)

    def csrf_from(self, response) -> str:
        match = CSRF_FIELD.search(response.text or "")
        return match.group(1) if match else ""


class Golfer(_Person):
    """A golfer on their phone: mostly browsing, sometimes recording a shot.

    Between 4 and 16 seconds on each page. A visit is 6–20 actions; then the
    golfer leaves and another arrives, most with the session cookie they kept
    and SIGN_IN_SHARE of them through the log-in form (PBKDF2, on purpose).
    """

    weight = WEIGHTS.get("golfer", 75)
    wait_time = between(4, 16)

    def on_start(self) -> None:
        super().on_start()
        self.arrive()

    def arrive(self) -> None:
        self.actions_left = random.randint(6, 20)
        if random.random() < SIGN_IN_SHARE:
            self.sign_in()
        else:
            golfer = next(_golfer_sessions)
            self.use_session(golfer["session_key"])
            self.store_slug, self.store_id = golfer["store_slug"], golfer["store_id"]

    def sign_in(self) -> None:
        golfer = next(_sign_in_golfers)
        self.client.cookies.clear()
        self.store_slug, self.store_id = golfer["store_slug"], golfer["store_id"]
        form = self.get("/accounts/login/", "page: log-in form")
        answer = self.post(
            "/accounts/login/",
            "sign-in: log-in POST",
            data={
                "username": golfer["username"],
                "password": FIXTURE["password"],
                "csrfmiddlewaretoken": self.csrf_from(form),
            },
        )
        if answer.status_code == 302:
            self.get("/signed-in/", "page: signed-in redirect", expect=302)
            self.get("/", "page: home")

    def spend_action(self) -> None:
        self.actions_left -= 1
        if self.actions_left <= 0:
            self.arrive()

    @task(10)
    def home(self) -> None:
        self.get("/", "page: home")
        self.spend_action()

    @task(15)
    def shots(self) -> None:
        listing = self.get("/shots/", "page: shots")
        found = SHOT_LINK.findall(listing.text or "")
        if found and random.random() < 0.6:
            self.get(f"/shots/{random.choice(found[:10])}/", "page: shot")
        self.spend_action()

    @task(8)
    def bag(self) -> None:
        self.get("/bag/", "page: bag")
        self.spend_action()

    @task(8)
    def my_game(self) -> None:
        days = random.choice(("", "?days=30", "?days=90", "?days=365"))
        self.get(f"/my-game/{days}", "page: my game")
        self.spend_action()

    @task(3)
    def sessions(self) -> None:
        self.get("/sessions/", "page: sessions")
        self.spend_action()

    @task(10)
    def store_boards(self) -> None:
        self.get(f"/s/{self.store_slug}/", "page: store boards")
        self.spend_action()

    @task(7)
    def leaderboards(self) -> None:
        query = (
            f"?store={random.choice(('', self.store_slug))}&club={random.choice(('', *CLUBS))}"
            f"&metric={random.choice(BOARD_METRICS)}&period={random.choice(BOARD_PERIODS)}"
        )
        self.get(f"/leaderboards/{query}", "page: leaderboards")
        self.spend_action()

    @task(6)
    def record_typed_shot(self) -> None:
        form = self.get("/shots/new/", "page: new shot form")
        hit_at = HIT_AT_FIELD.search(form.text or "")
        answer = self.post(
            "/shots/new/",
            "write: typed shot POST",
            data={
                "csrfmiddlewaretoken": self.csrf_from(form),
                "club": random.choice(CLUBS),
                "hit_at": hit_at.group(1) if hit_at else "",
                "retailer": self.store_id,
                "client_token": uuid.uuid4().hex,
                **typed_values(),
            },
        )
        if answer.status_code == 302:
            self.get(answer.headers["Location"], "page: shot")
        self.spend_action()

    @task(PHOTO_WEIGHT)
    def upload_photo(self) -> None:
        form = self.get("/shots/upload/", "page: upload form")
        answer = self.post(
            "/shots/upload/",
            "write: photo upload POST",
            data={
                "csrfmiddlewaretoken": self.csrf_from(form),
                "retailer": self.store_id,
                "client_token": uuid.uuid4().hex,
            },
            files={"image": ("IMG_0001.jpg", unique_photo(), "image/jpeg")},
        )
        if answer.status_code == 302:
            shot_path = answer.headers["Location"]
            self.get(shot_path, "page: shot")
            self.get(f"{shot_path}photo.jpg", "fragment: shot photo")
            self.watch_until_read(shot_path)
        self.spend_action()

    def watch_until_read(self, shot_path: str) -> None:
        """Stay on the shot page while htmx polls its panel every second, as a golfer waits."""
        deadline = time.monotonic() + POLL_SECONDS
        while time.monotonic() < deadline:
            time.sleep(1)
            panel = self.get(f"{shot_path}status/", "fragment: shot panel poll")
            if 'hx-trigger="every 1s"' not in (panel.text or ""):
                return


class ApiClient(_Person):
    """A phone app on the API with a JWT: syncs shots, bests, boards, sometimes posts a shot."""

    weight = WEIGHTS.get("api", 10)
    wait_time = between(3, 12)

    def on_start(self) -> None:
        super().on_start()
        self.store_slug = random.choice(FIXTURE["stores"])["slug"]
        token = next(_api_tokens, None)
        if token is None or random.random() < SIGN_IN_SHARE:
            golfer = next(_sign_in_golfers)
            self.store_slug = golfer["store_slug"]
            answer = self.post(
                "/api/v1/auth/token/",
                "sign-in: API token POST",
                expect=200,
                json={"username": golfer["username"], "password": FIXTURE["password"]},
            )
        else:
            self.store_slug = token["store_slug"]
            answer = self.post(
                "/api/v1/auth/token/refresh/",
                "api: token refresh POST",
                expect=200,
                json={"refresh": token["refresh"]},
            )
        access = answer.json().get("access", "") if answer.status_code == 200 else ""
        self.client.headers["Authorization"] = f"Bearer {access}"

    @task(10)
    def shots(self) -> None:
        self.get("/api/v1/shots/", "api: shots")

    @task(3)
    def shots_of_a_club(self) -> None:
        self.get(f"/api/v1/shots/?club={random.choice(CLUBS)}", "api: shots of a club")

    @task(6)
    def personal_bests(self) -> None:
        self.get("/api/v1/personal-bests/", "api: personal bests")

    @task(6)
    def leaderboard(self) -> None:
        query = (
            f"?retailer={self.store_slug}&metric={random.choice(BOARD_METRICS)}"
            f"&period={random.choice(BOARD_PERIODS)}"
        )
        self.get(f"/api/v1/leaderboards/{query}", "api: leaderboard")

    @task(4)
    def analytics(self) -> None:
        self.get(f"/api/v1/analytics/?days={random.choice((30, 90, 365))}", "api: analytics")

    @task(3)
    def sessions(self) -> None:
        self.get("/api/v1/sessions/", "api: sessions")

    @task(4)
    def post_shot(self) -> None:
        self.post(
            "/api/v1/shots/",
            "write: API shot POST",
            expect=201,
            json={"club": random.choice(CLUBS), "retailer": self.store_slug, **typed_values()},
        )

    @task(PHOTO_WEIGHT)
    def upload_photo(self) -> None:
        answer = self.post(
            "/api/v1/shots/",
            "write: API photo upload POST",
            expect=201,
            data={"retailer": self.store_slug},
            files={"image": ("IMG_0001.jpg", unique_photo(), "image/jpeg")},
        )
        if answer.status_code == 201:
            # The app polls the shot until it is read; every 3 s.
            shot_id = answer.json()["id"]
            for _ in range(POLL_SECONDS // 3):
                time.sleep(3)
                shot = self.get(f"/api/v1/shots/{shot_id}/", "api: shot poll")
                if shot.status_code != 200 or shot.json().get("status") not in {
                    "received",
                    "queued",
                    "analyzing",
                }:
                    return


class StoreStaff(_Person):
    """A member of a store's staff on the console between customers: slower than a golfer."""

    weight = WEIGHTS.get("staff", 8)
    wait_time = between(5, 20)

    def on_start(self) -> None:
        super().on_start()
        staff = next(_staff_sessions)
        self.use_session(staff["session_key"])
        self.console = f"/console/{staff['store_slug']}"

    @task(6)
    def dashboard(self) -> None:
        self.get(f"{self.console}/", "console: dashboard")

    @task(6)
    def customers(self) -> None:
        listing = self.get(f"{self.console}/customers/", "console: customers")
        found = CUSTOMER_LINK.findall(listing.text or "")
        if found:
            customer = random.choice(found)
            self.get(f"{self.console}/customers/{customer}/", "console: customer")
            if random.random() < 0.3:
                self.get(f"{self.console}/customers/{customer}/game/", "console: customer game")

    @task(3)
    def search_customers(self) -> None:
        self.get(
            f"{self.console}/customers/?q=bench-golfer-{random.randint(0, 199):03d}",
            "console: customer search",
        )

    @task(6)
    def verification(self) -> None:
        queue = self.get(f"{self.console}/verification/", "console: verification queue")
        found = STAFF_SHOT_LINK.findall(queue.text or "")
        if not found:
            return
        shot = random.choice(found[:10])
        page = self.get(f"{self.console}/shots/{shot}/", "console: shot")
        if random.random() < 0.4 and page.status_code == 200:
            self.post(
                f"{self.console}/shots/{shot}/verify/",
                "write: console verify POST",
                data={"csrfmiddlewaretoken": self.csrf_from(page)},
            )

    @task(1)
    def review_log(self) -> None:
        self.get(f"{self.console}/verification/log/", "console: review log")


class Kiosk(_Person):
    """A shop TV showing the store's boards: the next slide every 15 seconds."""

    weight = WEIGHTS.get("kiosk", 7)
    wait_time = constant_pacing(15)

    def on_start(self) -> None:
        super().on_start()
        store = next(_kiosk_stores)
        # A TV signed in once by the store's staff (half the stores' kiosks are private).
        self.use_session(store["staff_session_key"])
        self.slug = store["slug"]
        self.slide = random.randint(0, 20)

    @task
    def next_slide(self) -> None:
        answer = self.get(
            f"/s/{self.slug}/kiosk/slide/?slide={self.slide}", "fragment: kiosk slide"
        )
        self.slide += 1
        if answer.status_code != 200:
            self.slide = 0
