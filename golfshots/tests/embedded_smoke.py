"""Run by test_embedded_default.py in a child process on the embedded default (SQLite).

The suite runs on PostgreSQL, so SQL that only PostgreSQL understands would
otherwise reach `make run` users first. This seeds the demo data and opens
every main page as a golfer, a store owner and a platform admin.
"""

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from golfshots.tests.main_pages import main_pages  # noqa: E402
from leaderboards.models import Event  # noqa: E402
from shots.models import Shot  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", "--quiet")

golfer = User.objects.get(username="demo")
shot = Shot.objects.filter(golfer=golfer).first()
assert shot is not None, "seed_demo gave the demo golfer no shots"
event = Event.objects.filter(retailer__slug="demo").first()
assert event is not None, "seed_demo gave the demo store no event"
# Every main page, plus what is not a page: the API, CSV exports, the QR code, admin.
PAGES = main_pages(golfer_id=golfer.pk, shot_id=shot.pk, event_id=event.pk)
PAGES["demo"] += [
    "/s/demo/qr.svg",
    "/api/v1/shots/",
    "/api/v1/personal-bests/",
    "/api/v1/sessions/",
    "/api/v1/analytics/?days=90",
    "/api/v1/leaderboards/?retailer=demo",
    "/api/v1/events/",
]
PAGES["owner"] += [
    "/console/demo/export/shots.csv",
    "/console/demo/export/customers.csv",
    "/api/v1/retailers/demo/shots/",
    "/api/v1/retailers/demo/customers/",
]
PAGES["admin"] = [
    "/admin/",
    "/admin/shots/shot/",
    f"/admin/shots/shot/{shot.pk}/change/",
    "/admin/shots/shotanalysis/spend/",
    "/admin/shots/shotneedingreview/",
    "/admin/retailers/retailer/",
    "/admin/leaderboards/event/",
]
failures = []
for username, paths in PAGES.items():
    client = Client()
    if username is not None:
        client.force_login(User.objects.get(username=username))
    for path in paths:
        status = client.get(path).status_code
        if status != 200:
            failures.append(f"{status} {username or 'visitor'} {path}")
print("\n".join(failures) or "all pages answered 200")
raise SystemExit(1 if failures else 0)
