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
from shots.models import Shot  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", "--quiet")

golfer = User.objects.get(username="demo")
shot = Shot.objects.filter(golfer=golfer).first()
assert shot is not None, "seed_demo gave the demo golfer no shots"
PAGES = {
    "demo": [
        "/shots/",
        "/shots/new/",
        "/shots/upload/",
        f"/shots/{shot.pk}/",
        f"/shots/{shot.pk}/edit/",
        "/bag/",
        "/my-game/",
        "/my-game/?days=365",
        "/my-game/compare/?before_start=2026-01-01&before_end=2026-06-30&after_start=2026-07-01&after_end=2026-11-24",
        "/stores/",
        "/join/demo/",
        "/leaderboards/",
        "/leaderboards/?store=demo&metric=smash_factor&period=all",
        "/s/demo/",
        "/s/demo/kiosk/",
        "/s/demo/events/",
        "/s/demo/qr.svg",
        "/api/v1/shots/",
        "/api/v1/personal-bests/",
        "/api/v1/analytics/?days=90",
        "/api/v1/leaderboards/?retailer=demo",
        "/api/v1/events/",
        "/accounts/settings/",
    ],
    "owner": [
        "/console/demo/",
        "/console/demo/customers/",
        f"/console/demo/customers/{golfer.pk}/",
        f"/console/demo/customers/{golfer.pk}/game/",
        "/console/demo/verification/",
        "/console/demo/verification/log/",
        f"/console/demo/shots/{shot.pk}/",
        "/console/demo/record/",
        f"/console/demo/customers/{golfer.pk}/record/",
        "/console/demo/settings/",
        "/console/demo/export/shots.csv",
        "/console/demo/export/customers.csv",
        "/console/demo/events/",
        "/console/demo/staff/",
        "/api/v1/retailers/demo/shots/",
        "/api/v1/retailers/demo/customers/",
    ],
    "admin": [
        "/admin/",
        "/admin/shots/shot/",
        f"/admin/shots/shot/{shot.pk}/change/",
        "/admin/shots/shotanalysis/spend/",
        "/admin/shots/shotneedingreview/",
        "/admin/retailers/retailer/",
        "/admin/leaderboards/event/",
    ],
}
failures = []
for username, paths in PAGES.items():
    client = Client()
    client.force_login(User.objects.get(username=username))
    for path in paths:
        status = client.get(path).status_code
        if status != 200:
            failures.append(f"{status} {username} {path}")
print("\n".join(failures) or "all pages answered 200")
raise SystemExit(1 if failures else 0)
