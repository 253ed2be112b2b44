"""CSV exports: canonical columns with units, escaped formulas, private data left out."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse

from accounts.tests.factories import UserFactory
from console.exports import escape_cell
from console.tests.test_console import World, build_world
from retailers.models import CustomerLink
from shots.tests.factories import ShotFactory


@pytest.fixture
def world(db) -> World:
    return build_world()


def rows_of(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = response.getvalue().decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_shot_export_names_canonical_units_in_the_header(client, world):
    world.store.units = "metric"  # display units do not change the export
    world.store.save()
    client.force_login(world.staff)

    response = client.get("/console/fairway/export/shots.csv")

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    [row] = rows_of(response)
    assert row["carry_yd"] == "231.0"
    assert row["ball_speed_mph"] == "150.0"
    assert row["smash_factor"] == "1.46"
    assert "launch_angle_deg" in row
    assert "apex_ft" in row
    assert "spin_rate_rpm" in row
    assert row["golfer_username"] == "gary"


def test_the_shot_export_holds_only_the_stores_shots(client, world):
    ShotFactory(golfer=world.golfer, retailer=None)
    client.force_login(world.owner)

    rows = rows_of(client.get("/console/fairway/export/shots.csv"))

    assert [int(row["shot_id"]) for row in rows] == [world.shot.pk]


def test_values_that_a_spreadsheet_would_run_are_escaped(client, world):
    sneaky = UserFactory(username="sneaky", display_name="=cmd|' /C calc'!A0")
    CustomerLink.objects.create(golfer=sneaky, retailer=world.store, leaderboard_name="+SUM(A1)")
    ShotFactory(golfer=sneaky, retailer=world.store, launch_direction=-3.5)
    client.force_login(world.owner)

    customers = {
        row["username"]: row for row in rows_of(client.get("/console/fairway/export/customers.csv"))
    }
    shots = rows_of(client.get("/console/fairway/export/shots.csv"))

    assert customers["sneaky"]["display_name"] == "'=cmd|' /C calc'!A0"
    assert customers["sneaky"]["board_name"] == "'+SUM(A1)"
    sneaky_shot = next(row for row in shots if row["golfer_username"] == "sneaky")
    assert sneaky_shot["golfer_name"].startswith("'=")
    assert sneaky_shot["launch_direction_deg"] == "-3.5"  # a number, not a formula


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("-2", "'-2"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (-2.0, -2.0),
    ],
)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_the_customer_export_leaves_out_email_without_marketing_consent(client, world):
    keen = UserFactory(username="keen", email="keen@example.com")
    CustomerLink.objects.create(golfer=keen, retailer=world.store, marketing_consent=True)
    client.force_login(world.staff)

    rows = {
        row["username"]: row for row in rows_of(client.get("/console/fairway/export/customers.csv"))
    }

    assert set(rows) == {"gary", "keen"}  # not the other store's customer
    assert rows["gary"]["email"] == ""
    assert rows["keen"]["email"] == "keen@example.com"
    assert rows["gary"]["shots_here"] == "1"
