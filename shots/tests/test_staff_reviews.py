"""Staff corrections need a reason; the golfer's shot shows what staff decided and why."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from shots import services
from shots.models import ShotReview
from shots.selectors import staff_decisions_for
from shots.tests.factories import ShotFactory

pytestmark = pytest.mark.django_db


def test_it_refuses_a_staff_correction_without_a_reason_and_changes_nothing(store):
    shot = ShotFactory.create(retailer=store, carry=165.0)
    staff = UserFactory.create()

    with pytest.raises(ValidationError, match="Say why the shot is corrected"):
        services.shot_correct_by_staff(
            shot=shot, staff=staff, club="driver", metrics={"carry": 162.0}, reason="   "
        )

    shot.refresh_from_db()
    assert (shot.carry, shot.verified_at) == (165.0, None)
    assert not ShotReview.objects.exists()


def test_it_describes_each_decision_by_store_with_the_values_changed(store):
    shot = ShotFactory.create(retailer=store, carry=165.0)
    staff = UserFactory.create(display_name="Sam Staff")
    services.shot_correct_by_staff(
        shot=shot,
        staff=staff,
        club="7i",
        metrics={"carry": 162.0, "ball_speed": 150.0},
        reason="Photo says 162",
    )
    services.shot_exclude(shot=shot, staff=staff, reason="Two balls")

    excluded, corrected = staff_decisions_for(shot)

    assert (excluded.verb, excluded.store_name, excluded.review.reason) == (
        "Excluded",
        "Fairway Lab",
        "Two balls",
    )
    assert excluded.changes == []
    assert corrected.verb == "Corrected"
    assert [(c.name, c.before, c.after) for c in corrected.changes] == [
        ("club", "Driver", "7-iron"),
        ("club_speed", 103.0, None),
        ("smash_factor", 1.46, None),
        ("carry", 165.0, 162.0),
        ("total", 265.0, None),
    ]
