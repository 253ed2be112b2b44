"""Import fingerprints: how they are built may change, the strings they hash must not.

Shots imported earlier carry these fingerprints; a re-import finds its
duplicates only while the same row gives the same fingerprint.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from shots.imports.plan import (
    FINGERPRINT_METRICS,
    _fingerprint,
    _fingerprint_key,
    _fingerprint_key_with_gaps,
)

_numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**12), max_value=10**12),  # derived total spin is an int
    st.sampled_from([0.0, -0.0, 0.05, 0.15, 0.25, -0.05, 2.45, 1e-9, 1e16]),
)
_values = st.dictionaries(
    st.sampled_from([*FINGERPRINT_METRICS, "apex", "spin_axis"]), _numbers, max_size=10
)


@given(values=_values, club=st.sampled_from(["driver", "7i", ""]))
def test_the_key_is_the_definitions_key_for_any_values(values: dict[str, float], club: str) -> None:
    basis = "2026-10-01T09:00:00+00:00"
    assert _fingerprint_key(basis, club, values) == _fingerprint_key_with_gaps(basis, club, values)


@given(values=st.fixed_dictionaries(dict.fromkeys(FINGERPRINT_METRICS, _numbers)))
def test_it_formats_all_eight_numbers_to_one_decimal(values: dict[str, float]) -> None:
    key = _fingerprint_key("session 2026-10-01", "pw", values)
    fields = key.split("|")
    assert fields[:2] == ["session 2026-10-01", "pw"]
    assert fields[2:] == [f"{values[name]:.1f}" for name in FINGERPRINT_METRICS]
    assert all(math.isfinite(float(field)) for field in fields[2:])


def test_a_row_imported_earlier_keeps_its_fingerprint() -> None:
    # Worked out by the code that stored the first imported shots (2026-12-02):
    # if this changes, re-importing an old file no longer finds its duplicates.
    values = {
        "ball_speed": 150.26,
        "club_speed": 104.0,
        "launch_angle": 12.04,
        "launch_direction": -1.25,
        "spin_rate": 2650,
        "carry": 241.96,
        "total": 262.5,
        "carry_side": -3.0,
        "apex": 30.0,
    }
    key = _fingerprint_key("2026-10-01T09:00:00+00:00", "driver", values)
    assert key == "2026-10-01T09:00:00+00:00|driver|150.3|104.0|12.0|-1.2|2650.0|242.0|262.5|-3.0"
    assert _fingerprint(key, 1) == (
        "94aacfc346f834c14d977016f33a75456fbb2fab7214ef69d0913313ae2a1afa"
    )
    without_side = {name: value for name, value in values.items() if name != "carry_side"}
    gaps = _fingerprint_key("session 2026-10-01", "driver", without_side)
    assert gaps == "session 2026-10-01|driver|150.3|104.0|12.0|-1.2|2650.0|242.0|262.5|"
