"""The platform admin: store plans, counts, and the plan actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from leaderboards.tests.test_board_selector import golfer, shot
from retailers.models import CustomerLink, Membership, PlanStatus, Retailer, Role, StaffInvitation
from retailers.services import retailer_plan_change, retailer_trial_extend

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/retailers/retailer/"


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-not-used"))
    return client


def a_store(slug: str, **fields: object) -> Retailer:
    store = Retailer.objects.create(name=slug.title(), slug=slug, **fields)
    Membership.objects.create(
        user=golfer(username=f"{slug}-owner"), retailer=store, role=Role.OWNER
    )
    for index in range(3):
        person = golfer(username=f"{slug}-golfer-{index}")
        CustomerLink.objects.create(golfer=person, retailer=store)
        shot(person, store, hit_at=timezone.now())
    return store


def test_the_store_list_shows_counts_in_a_bounded_number_of_queries(admin_client, awkward_moment):
    a_store("fairway")
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(CHANGELIST).status_code == 200
    for slug in ("tee", "links", "hudson"):
        a_store(slug)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(many) == len(few)
    store = response.context["cl"].result_list[0]
    assert (store.customers, store.staff, store.shots_this) == (3, 1, 3)


def test_shots_are_counted_per_month(admin_client, awkward_moment):
    store = a_store("fairway")
    last_month = timezone.localdate().replace(day=1) - timedelta(days=3)
    person = golfer(username="old")
    shot(person, store, hit_at=datetime.combine(last_month, datetime.min.time(), tzinfo=UTC))
    shot(person, store, hit_at=datetime(2020, 1, 1, tzinfo=UTC))
    row = admin_client.get(CHANGELIST).context["cl"].result_list[0]
    assert (row.shots_this, row.shots_last) == (3, 1)


def test_the_list_filters_by_plan_status(admin_client):
    a_store("fairway", plan_status=PlanStatus.ACTIVE)
    a_store("tee", plan_status=PlanStatus.CANCELLED)
    response = admin_client.get(CHANGELIST, {"plan_status__exact": "cancelled"})
    assert [store.slug for store in response.context["cl"].result_list] == ["tee"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/retailers/membership/",
        "/admin/retailers/customerlink/",
        "/admin/retailers/staffinvitation/",
    ],
)
def test_the_other_admin_lists_open_in_a_bounded_number_of_queries(admin_client, url):
    store = a_store("fairway")
    owner = Membership.objects.get(retailer=store).user
    StaffInvitation.objects.create(retailer=store, email="a@example.com", invited_by=owner)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    other = a_store("tee")
    StaffInvitation.objects.create(retailer=other, email="b@example.com", invited_by=owner)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url).status_code == 200
    assert len(many) == len(few)


def run_action(admin_client, action: str, *stores: Retailer):
    return admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [store.pk for store in stores]},
        follow=True,
    )


def test_extend_trial_adds_fourteen_days_and_skips_paying_stores(admin_client):
    ends = timezone.now() + timedelta(days=3)
    trial = a_store("fairway", trial_ends_at=ends)
    paying = a_store("tee", plan_status=PlanStatus.ACTIVE)
    response = run_action(admin_client, "extend_trial", trial, paying)
    assert response.status_code == 200
    trial.refresh_from_db()
    paying.refresh_from_db()
    assert trial.trial_ends_at == ends + timedelta(days=14)
    assert paying.trial_ends_at is None
    assert "Not on trial" in response.content.decode()


def test_an_ended_trial_is_extended_from_today():
    now = timezone.now()
    store = Retailer.objects.create(name="F", slug="f", trial_ends_at=now - timedelta(days=30))
    retailer_trial_extend(retailer=store, now=now)
    assert store.trial_ends_at == now + timedelta(days=14)
    assert not store.is_read_only(now=now)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("mark_active", PlanStatus.ACTIVE),
        ("mark_past_due", PlanStatus.PAST_DUE),
        ("cancel", PlanStatus.CANCELLED),
    ],
)
def test_plan_actions_change_the_status(admin_client, action, status):
    store = a_store("fairway")
    run_action(admin_client, action, store)
    store.refresh_from_db()
    assert store.plan_status == status
    assert (store.past_due_since is not None) == (status == PlanStatus.PAST_DUE)


def test_past_due_keeps_its_start_when_marked_again():
    since = timezone.now() - timedelta(days=20)
    store = Retailer.objects.create(
        name="F", slug="f", plan_status=PlanStatus.PAST_DUE, past_due_since=since
    )
    retailer_plan_change(retailer=store, plan_status=PlanStatus.PAST_DUE)
    assert store.past_due_since == since
    assert store.is_read_only()
    retailer_plan_change(retailer=store, plan_status=PlanStatus.ACTIVE)
    assert store.past_due_since is None
    assert not store.is_read_only()
