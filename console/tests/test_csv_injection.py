"""Store exports and pages against hostile text and times (issue 15), read back as a spreadsheet would.

A full-width ＝ is read as = by spreadsheets, so it must be escaped like =; a
line break inside a cell makes line-by-line importers start a new row. A
year-1 shot stored before the time window existed has no New York time: the
export stopped mid-download and the store's pages answered 500.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.tests.factories import UserFactory
from console.exports import escape_cell
from retailers.models import CustomerLink, Membership, PlanStatus, Retailer, Role
from shots.models import Shot, ShotSource, ShotStatus, ShotTrust
from shots.tests.factories import ShotFactory

YEAR_ONE = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture
def store(db) -> Retailer:
    return Retailer.objects.create(
        name="Alpha Golf", slug="alpha", plan_status=PlanStatus.ACTIVE, timezone="America/New_York"
    )


@pytest.fixture
def staff(store):
    staff = UserFactory.create(username="staffer")
    Membership.objects.create(user=staff, retailer=store, role=Role.STAFF)
    return staff


def exported(client, store: Retailer, name: str) -> tuple[str, list[dict[str, str]]]:
    response = client.get(reverse(f"console:export_{name}", args=[store.slug]))
    assert isinstance(response, StreamingHttpResponse)
    text = response.getvalue().decode()
    return text, list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('＝HYPERLINK("http://x")', '\'＝HYPERLINK("http://x")'),
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        ("﹦1+1", "'﹦1+1"),  # the small form: NFKC folds it to = as well
        ("  =1+1", "'  =1+1"),  # leading spaces do not hide a formula
        ("\n=1+1", "' =1+1"),
        ("\r=1+1", "' =1+1"),
        ("line one\nline two", "line one line two"),
        ("one\r\ntwo\rthree\u2028four", "one two three four"),
        ("Gary ＝ golfer", "Gary ＝ golfer"),  # only a leading sign runs
        ("\tx", "'\tx"),
        (-2.0, -2.0),
    ],
)
def test_it_neutralises_formulas_and_line_breaks_in_a_cell(value, expected):
    assert escape_cell(value) == expected


def test_the_exports_read_back_one_row_per_record_with_nothing_to_run(client, store, staff):
    sneaky = UserFactory.create(username="sneaky", display_name="＝cmd|' /C calc'!A0")
    CustomerLink.objects.create(
        golfer=sneaky, retailer=store, leaderboard_name="Big\nHitter\r\n＠SUM(A1)"
    )
    ShotFactory.create(
        golfer=sneaky,
        retailer=store,
        is_excluded=True,
        exclusion_reason='Typed twice.\n=HYPERLINK("http://evil")',
        trust=ShotTrust.EXCLUDED,
    )
    client.force_login(staff)

    customers_text, customers = exported(client, store, "customers")
    shots_text, shots = exported(client, store, "shots")

    # One line per record: no quoted line break left for an importer to split on.
    assert len(customers_text.splitlines()) == 2
    assert len(shots_text.splitlines()) == 2
    [customer] = customers
    assert customer["display_name"] == "'＝cmd|' /C calc'!A0"
    assert customer["board_name"] == "Big Hitter ＠SUM(A1)"
    [shot] = shots
    assert shot["golfer_name"] == "'＝cmd|' /C calc'!A0"
    assert shot["exclusion_reason"] == 'Typed twice. =HYPERLINK("http://evil")'


def test_the_shot_export_is_complete_with_a_year_one_shot(client, store, staff):
    golfer = UserFactory.create(username="gary")
    CustomerLink.objects.create(golfer=golfer, retailer=store)
    ShotFactory.create(golfer=golfer, retailer=store, hit_at=YEAR_ONE)
    ShotFactory.create(golfer=golfer, retailer=store)
    client.force_login(staff)

    _, rows = exported(client, store, "shots")

    assert len(rows) == 2
    assert rows[0]["hit_at"] == "0001-01-01T00:00:00+00:00"  # in UTC: it has no New York time


@pytest.fixture
def year_one_shots(store) -> tuple[Shot, Shot]:
    golfer = UserFactory.create(username="gary", timezone="America/New_York")
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    typed = ShotFactory.create(golfer=golfer, retailer=store, carry=449.0, hit_at=YEAR_ONE)
    photo = ShotFactory.create(
        golfer=golfer,
        retailer=store,
        hit_at=YEAR_ONE,
        source=ShotSource.PHOTO,
        status=ShotStatus.NEEDS_REVIEW,
        trust=ShotTrust.MEASURED,
    )
    return typed, photo


@pytest.mark.parametrize("page", ["queue", "customers", "customer", "customer_game", "shot"])
def test_new_york_staff_see_a_stored_year_one_shot(client, store, staff, year_one_shots, page):
    typed, photo = year_one_shots
    client.force_login(staff)
    args: list[object] = [store.slug]
    if page in {"customer", "customer_game"}:
        args.append(typed.golfer_id)
    if page == "shot":
        args.append(photo.pk)

    response = client.get(reverse(f"console:{page}", args=args))

    assert response.status_code == 200
    if page in {"queue", "shot"}:
        assert "1 Jan 0001" in response.content.decode()
