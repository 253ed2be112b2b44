from datetime import timedelta

import pytest
from django.utils import timezone

from shots.forms import ShotForm


def _now():
    # Read when a test runs, not at import: the clock may be pinned by then.
    return timezone.now().replace(second=0, microsecond=0)


def form(data: dict, *, metric_units: bool = False, shot=None) -> ShotForm:
    return ShotForm(
        {"club": "7i", "hit_at": _now().strftime("%Y-%m-%dT%H:%M"), **data},
        metric_units=metric_units,
        shot=shot,
    )


def test_it_accepts_a_subset_of_metrics_in_imperial_units():
    bound = form({"carry": "152.5", "ball_speed": "118"})
    assert bound.is_valid(), bound.errors
    metrics = bound.canonical_metrics()
    assert metrics["carry"] == 152.5
    assert metrics["ball_speed"] == 118
    assert metrics["spin_rate"] is None


def test_it_converts_metric_units_to_canonical():
    bound = form({"carry": "140", "ball_speed": "190", "apex": "30"}, metric_units=True)
    assert bound.is_valid(), bound.errors
    metrics = bound.canonical_metrics()
    assert metrics["carry"] == pytest.approx(153.1, abs=0.1)
    assert metrics["ball_speed"] == pytest.approx(118.1, abs=0.1)
    assert metrics["apex"] == pytest.approx(98.4, abs=0.1)


def test_it_reads_left_and_right_suffixes():
    bound = form({"carry": "150", "carry_side": "7.5 L", "face_angle": "2R"})
    assert bound.is_valid(), bound.errors
    assert bound.canonical_metrics()["carry_side"] == -7.5
    assert bound.canonical_metrics()["face_angle"] == 2


def test_it_rejects_a_value_outside_the_hard_range_with_the_limits_in_the_users_units():
    bound = form({"carry": "420"}, metric_units=True)
    assert not bound.is_valid()
    assert bound.errors["carry"] == ["Carry must be between 0 and 411.4 m."]


def test_it_rejects_text_in_a_number_field():
    bound = form({"carry": "far"})
    assert not bound.is_valid()
    assert "carry" in bound.errors


def test_it_rejects_a_side_value_it_cannot_read():
    bound = form({"carry": "150", "carry_side": "left-ish"})
    assert not bound.is_valid()
    assert "L for left" in bound.errors["carry_side"][0]


def test_it_requires_at_least_one_number():
    bound = form({})
    assert not bound.is_valid()
    assert bound.non_field_errors() == ["Enter at least one number from the screen."]


def test_it_requires_a_known_club():
    bound = form({"club": "9w", "carry": "150"})
    assert not bound.is_valid()
    assert "club" in bound.errors


def test_it_rejects_a_shot_time_in_the_future():
    bound = form(
        {"carry": "150", "hit_at": (_now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}
    )
    assert not bound.is_valid()
    assert bound.errors["hit_at"] == ["That time is in the future: check the date and time zone."]


@pytest.mark.django_db
def test_editing_without_touching_a_value_keeps_the_stored_number_exactly(django_user_model):
    from shots.services import shot_create_manual

    golfer = django_user_model.objects.create_user("m", "m@example.com", "correct horse battery")
    shot, _ = shot_create_manual(golfer=golfer, club="7i", metrics={"carry": 152.3})
    unbound = ShotForm(metric_units=True, shot=shot)
    shown_carry = unbound.initial["carry"]

    bound = form({"carry": str(shown_carry)}, metric_units=True, shot=shot)

    assert bound.is_valid(), bound.errors
    assert bound.canonical_metrics()["carry"] == 152.3
