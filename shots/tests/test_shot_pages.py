import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from shots import services
from shots.models import PersonalBest, Shot

PASSWORD = "correct horse battery"


@pytest.fixture
def golfer(db) -> User:
    return User.objects.create_user("pat", "pat@example.com", PASSWORD, display_name="Pat")


@pytest.fixture
def other_golfer(db) -> User:
    return User.objects.create_user("kim", "kim@example.com", PASSWORD)


@pytest.fixture
def logged_in(client, golfer):
    client.force_login(golfer)
    return client


def shot_for(golfer: User, club: str = "driver", **metrics: float) -> Shot:
    return services.shot_create_manual(golfer=golfer, club=club, metrics=metrics or {"carry": 230})[
        0
    ]


def new_shot_data(**overrides: str) -> dict[str, str]:
    data = {
        "club": "driver",
        "hit_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "client_token": "tok-1",
        "carry": "241",
        "ball_speed": "150",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", ["shots:list", "shots:new", "shots:bag"])
def test_pages_ask_anonymous_visitors_to_log_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_recording_a_shot_saves_it_and_announces_the_personal_best(logged_in, golfer):
    response = logged_in.post(reverse("shots:new"), new_shot_data(), follow=True)

    shot = Shot.objects.get(golfer=golfer)
    assert response.redirect_chain[-1][0] == shot.get_absolute_url()
    assert shot.carry == 241
    assert shot.status == "confirmed"
    assert shot.source == "manual"
    page = response.content.decode()
    assert "Shot saved." in page
    assert "Personal best with your Driver: carry 241.0 yd" in page


def test_a_double_submit_creates_one_shot(logged_in, golfer):
    logged_in.post(reverse("shots:new"), new_shot_data())
    response = logged_in.post(reverse("shots:new"), new_shot_data())

    assert Shot.objects.filter(golfer=golfer).count() == 1
    assert response.status_code == 302


def test_bad_input_re_renders_the_form_with_a_message_and_saves_nothing(logged_in, golfer):
    response = logged_in.post(reverse("shots:new"), new_shot_data(carry="9999"))

    assert response.status_code == 200
    assert "Carry must be between 0 and 450 yd." in response.content.decode()
    assert not Shot.objects.exists()


def test_the_form_shows_metric_units_to_a_metric_golfer(logged_in, golfer):
    golfer.units = "metric"
    golfer.save()

    page = logged_in.get(reverse("shots:new")).content.decode()

    assert "Carry (m)" in page
    assert "Ball speed (km/h)" in page


def test_the_list_shows_only_my_shots_newest_first(logged_in, golfer, other_golfer):
    shot_for(golfer, carry=201)
    shot_for(golfer, carry=202)
    shot_for(other_golfer, carry=299)

    page = logged_in.get(reverse("shots:list")).content.decode()

    assert page.index("202.0 yd") < page.index("201.0 yd")
    assert "299.0 yd" not in page


def test_the_list_filters_by_club(logged_in, golfer):
    shot_for(golfer, "driver", carry=231)
    shot_for(golfer, "7i", carry=151)

    page = logged_in.get(reverse("shots:list"), {"club": "7i"}).content.decode()

    assert "151.0 yd" in page
    assert "231.0 yd" not in page


def test_the_list_paginates(logged_in, golfer, settings):
    settings.SHOTS_PER_PAGE = 2
    for carry in (201, 202, 203):
        shot_for(golfer, carry=carry)

    first = logged_in.get(reverse("shots:list")).content.decode()
    second = logged_in.get(reverse("shots:list"), {"page": 2}).content.decode()

    assert "Page 1 of 2" in first
    assert "201.0 yd" in second


def test_the_list_has_a_friendly_empty_state(logged_in):
    page = logged_in.get(reverse("shots:list")).content.decode()
    assert "No shots yet" in page


def test_the_detail_page_shows_the_numbers(logged_in, golfer):
    shot = shot_for(golfer, carry=230, ball_speed=148, club_speed=102, carry_side=-6)

    page = logged_in.get(shot.get_absolute_url()).content.decode()

    assert "230.0 yd" in page
    assert "6.0 yd L" in page
    assert "calculated" in page  # smash derived from the two speeds


@pytest.mark.parametrize("name", ["shots:detail", "shots:edit", "shots:delete"])
def test_another_golfers_shot_is_not_found(logged_in, other_golfer, name):
    theirs = shot_for(other_golfer)

    assert logged_in.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert logged_in.post(reverse(name, args=[theirs.pk])).status_code in (404, 405)
    assert Shot.objects.filter(pk=theirs.pk).exists()


def test_correcting_a_shot_updates_it_and_the_record(logged_in, golfer):
    shot = shot_for(golfer, carry=290)
    shot_for(golfer, carry=240)

    response = logged_in.post(
        reverse("shots:edit", args=[shot.pk]), new_shot_data(carry="229", ball_speed="")
    )

    assert response.status_code == 302
    shot.refresh_from_db()
    assert shot.carry == 229
    assert shot.ball_speed is None
    assert PersonalBest.objects.get(golfer=golfer, club="driver", metric="carry").value == 240


def test_the_edit_form_is_filled_with_the_current_values(logged_in, golfer):
    shot = shot_for(golfer, carry=230, carry_side=-6)

    page = logged_in.get(reverse("shots:edit", args=[shot.pk])).content.decode()

    assert re.search(r'name="carry"[^>]*value="230(\.0)?"', page)
    assert re.search(r'name="carry_side"[^>]*value="-6"', page)


def test_deleting_asks_first_then_deletes_and_rolls_back_the_record(logged_in, golfer):
    record = shot_for(golfer, carry=260)
    shot_for(golfer, carry=240)

    confirm = logged_in.get(reverse("shots:delete", args=[record.pk]))
    assert "Delete this shot?" in confirm.content.decode()
    assert Shot.objects.filter(pk=record.pk).exists()

    response = logged_in.post(reverse("shots:delete", args=[record.pk]))

    assert response.status_code == 302
    assert not Shot.objects.filter(pk=record.pk).exists()
    assert PersonalBest.objects.get(golfer=golfer, club="driver", metric="carry").value == 240


def test_my_bag_shows_personal_bests_and_shot_counts_per_club(logged_in, golfer):
    shot_for(golfer, "driver", carry=240, ball_speed=150)
    shot_for(golfer, "driver", carry=250)
    shot_for(golfer, "pw", carry=118)

    response = logged_in.get(reverse("shots:bag"))
    page = response.content.decode()

    assert page.index("Driver") < page.index("Pitching wedge")
    assert "250.0 yd" in page
    assert "118.0 yd" in page
    assert "150.0 mph" in page
    rows = {row.club: row for row in response.context["rows"]}
    assert rows["driver"].shots == 2


def test_my_bag_uses_a_fixed_number_of_queries(logged_in, golfer, django_assert_max_num_queries):
    for club in ("driver", "3w", "5i", "7i", "9i", "pw"):
        shot_for(golfer, club, carry=150, ball_speed=120)

    with django_assert_max_num_queries(8):
        logged_in.get(reverse("shots:bag"))
