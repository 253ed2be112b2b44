from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.utils import flatten_fieldsets
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from retailers.models import CustomerLink, Retailer
from shots.admin import ShotAdmin
from shots.metrics import METRIC_NAMES
from shots.models import Club, PersonalBest, Shot, ShotStatus
from shots.services import personal_bests_recompute

pytestmark = pytest.mark.django_db


@pytest.fixture
def store() -> Retailer:
    return Retailer.objects.create(name="Fairway Lab", slug="fairway-lab")


@pytest.fixture
def golfer(store) -> User:
    golfer = User.objects.create_user(
        "birdie", "birdie@example.com", "golfer password", display_name="Birdie Jones"
    )
    CustomerLink.objects.create(golfer=golfer, retailer=store, leaderboard_consent=True)
    return golfer


def make_shot(golfer: User, store: Retailer | None = None, **values) -> Shot:
    fields = {
        "club": Club.DRIVER,
        "status": ShotStatus.CONFIRMED,
        "ball_speed": 150.0,
        "club_speed": 103.0,
        "smash_factor": 1.46,
        "carry": 240.0,
        "total": 262.0,
        **values,
    }
    return Shot.objects.create(golfer=golfer, retailer=store, **fields)


def make_shots(golfer: User, store: Retailer, count: int) -> None:
    start = timezone.now() - timedelta(days=1)
    Shot.objects.bulk_create(
        Shot(
            golfer=golfer,
            retailer=store,
            club=Club.IRON_7,
            status=ShotStatus.CONFIRMED,
            hit_at=start + timedelta(minutes=index),
            carry=140.0 + index % 20,
            ball_speed=110.0,
        )
        for index in range(count)
    )


@pytest.fixture
def one_of_each(store, golfer) -> dict[str, object]:
    shot = make_shot(golfer, store)
    personal_bests_recompute(golfer_id=golfer.pk, club=shot.club)
    return {
        "accounts_user": golfer,
        "retailers_retailer": store,
        "retailers_customerlink": CustomerLink.objects.get(golfer=golfer),
        "shots_shot": shot,
        "shots_personalbest": PersonalBest.objects.filter(golfer=golfer).first(),
    }


ADMIN_MODELS = [
    "accounts_user",
    "retailers_retailer",
    "retailers_customerlink",
    "shots_shot",
    "shots_personalbest",
]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_a_superuser_can_open_the_changelist_and_a_change_page(admin_client, one_of_each, model):
    obj = one_of_each[model]

    changelist = admin_client.get(reverse(f"admin:{model}_changelist"))
    change = admin_client.get(reverse(f"admin:{model}_change", args=[obj.pk]))

    assert changelist.status_code == 200
    assert change.status_code == 200


@pytest.mark.parametrize(
    "model", ["accounts_user", "retailers_retailer", "retailers_customerlink", "shots_shot"]
)
def test_a_superuser_can_open_the_add_page(admin_client, model):
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 200


def test_personal_bests_are_read_only(admin_client, one_of_each):
    record = one_of_each["shots_personalbest"]

    assert admin_client.get(reverse("admin:shots_personalbest_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:shots_personalbest_change", args=[record.pk]), {"value": "999"}
    )
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.value == 240.0


def test_the_admin_is_closed_to_golfers(client, golfer):
    client.force_login(golfer)

    response = client.get(reverse("admin:shots_shot_changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_shot_search_finds_by_username_email_and_shot_number(admin_client, store, golfer):
    other = User.objects.create_user("eagle", "eagle@example.com", "x")
    mine = make_shot(golfer, store)
    theirs = make_shot(other, store)
    url = reverse("admin:shots_shot_changelist")

    def found(query: str) -> set[int]:
        response = admin_client.get(url, {"q": query})
        assert response.status_code == 200
        return {shot.pk for shot in response.context["cl"].result_list}

    assert found("birdie") == {mine.pk}
    assert found("eagle@example") == {theirs.pk}
    assert found(str(theirs.pk)) == {theirs.pk}
    assert found(f"#{mine.pk}") == {mine.pk}
    assert found("nobody") == set()
    assert found("99999999999999999999999") == set()


def test_user_search_finds_by_display_name(admin_client, golfer):
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "Jones"})

    assert [user.pk for user in response.context["cl"].result_list] == [golfer.pk]


def test_shot_changelist_queries_do_not_grow_with_the_number_of_shots(admin_client, store, golfer):
    url = reverse("admin:shots_shot_changelist")

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        return len(queries)

    make_shots(golfer, store, 5)
    with_five = queries_for_page()
    second_golfer = User.objects.create_user("eagle", "eagle@example.com", "x")
    second_store = Retailer.objects.create(name="Back Nine", slug="back-nine")
    make_shots(second_golfer, second_store, 45)
    with_fifty = queries_for_page()

    assert with_fifty == with_five
    assert with_five <= 12


@pytest.mark.parametrize(
    ("model", "make"),
    [
        ("retailers_customerlink", "links"),
        ("shots_personalbest", "records"),
    ],
)
def test_other_changelists_do_not_grow_with_the_rows(admin_client, model, make):
    url = reverse(f"admin:{model}_changelist")

    def add_golfers(count: int, offset: int) -> None:
        for index in range(offset, offset + count):
            store = Retailer.objects.create(name=f"Store {index}", slug=f"store-{index}")
            golfer = User.objects.create_user(f"golfer{index}", f"g{index}@example.com", "x")
            CustomerLink.objects.create(golfer=golfer, retailer=store)
            if make == "records":
                make_shot(golfer, store)
                personal_bests_recompute(golfer_id=golfer.pk, club=Club.DRIVER)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        return len(queries)

    add_golfers(2, 0)
    with_two = queries_for_page()
    add_golfers(8, 2)

    assert queries_for_page() == with_two


def test_every_metric_has_a_place_on_the_shot_form():
    fields = set(flatten_fieldsets(ShotAdmin.fieldsets))

    assert set(METRIC_NAMES) <= fields


def test_correcting_a_shot_in_the_admin_rolls_the_personal_best_back(admin_client, store, golfer):
    misread = make_shot(golfer, store, carry=400.0, total=420.0)
    make_shot(golfer, store, carry=240.0, total=262.0)
    personal_bests_recompute(golfer_id=golfer.pk, club=Club.DRIVER)
    url = reverse("admin:shots_shot_change", args=[misread.pk])
    data = admin_client.get(url).context["adminform"].form.initial
    form = {
        name: ("" if value is None else value)
        for name, value in data.items()
        if name
        not in {"image", "verified_by", "metric_flags", "has_rejected_values", "is_excluded"}
    }
    form.update(
        {
            "golfer": golfer.pk,
            "retailer": store.pk,
            "hit_at_0": timezone.localtime(misread.hit_at).strftime("%Y-%m-%d"),
            "hit_at_1": timezone.localtime(misread.hit_at).strftime("%H:%M:%S"),
            "verified_at_0": "",
            "verified_at_1": "",
            "metric_flags": "{}",
            "carry": "210",
            "total": "230",
        }
    )

    response = admin_client.post(url, form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    misread.refresh_from_db()
    assert misread.carry == 210.0
    record = PersonalBest.objects.get(golfer=golfer, club=Club.DRIVER, metric="carry")
    assert record.value == 240.0


def test_the_shot_form_rejects_a_value_outside_its_hard_range(admin_client, store, golfer):
    shot = make_shot(golfer, store)
    url = reverse("admin:shots_shot_change", args=[shot.pk])
    form = {
        "golfer": golfer.pk,
        "retailer": store.pk,
        "club": Club.DRIVER,
        "hit_at_0": timezone.localtime(shot.hit_at).strftime("%Y-%m-%d"),
        "hit_at_1": timezone.localtime(shot.hit_at).strftime("%H:%M:%S"),
        "status": ShotStatus.CONFIRMED,
        "source": shot.source,
        "metric_flags": "{}",
        "carry": "4500",
    }

    response = admin_client.post(url, form)

    assert response.status_code == 200
    assert "carry" in response.context["adminform"].form.errors
    shot.refresh_from_db()
    assert shot.carry == 240.0


def test_deleting_a_shot_in_the_admin_rolls_the_personal_best_back(admin_client, store, golfer):
    record_shot = make_shot(golfer, store, carry=260.0, total=280.0)
    make_shot(golfer, store, carry=240.0, total=262.0)
    personal_bests_recompute(golfer_id=golfer.pk, club=Club.DRIVER)

    response = admin_client.post(
        reverse("admin:shots_shot_delete", args=[record_shot.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    record = PersonalBest.objects.get(golfer=golfer, club=Club.DRIVER, metric="carry")
    assert record.value == 240.0


def test_the_bulk_delete_action_rolls_personal_bests_back(admin_client, store, golfer):
    best = make_shot(golfer, store, carry=260.0, total=280.0)
    second = make_shot(golfer, store, carry=250.0, total=270.0)
    make_shot(golfer, store, carry=230.0, total=250.0)
    personal_bests_recompute(golfer_id=golfer.pk, club=Club.DRIVER)

    response = admin_client.post(
        reverse("admin:shots_shot_changelist"),
        {"action": "delete_selected", "_selected_action": [best.pk, second.pk], "post": "yes"},
    )

    assert response.status_code == 302
    record = PersonalBest.objects.get(golfer=golfer, club=Club.DRIVER, metric="carry")
    assert record.value == 230.0


def test_a_new_user_can_be_added_with_a_display_name_and_units(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newgolfer",
            "usable_password": "true",
            "password1": "a long enough password 42",
            "password2": "a long enough password 42",
            "email": "new@example.com",
            "display_name": "New Golfer",
            "units": "metric",
            "timezone": "Europe/London",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newgolfer")
    assert user.display_name == "New Golfer"
    assert user.units == "metric"
    assert user.check_password("a long enough password 42")
