import pytest

from shots.metrics import METRICS_BY_NAME, RECORD_METRICS, format_value
from shots.models import RecordMetric


def test_record_metrics_match_the_model_choices():
    assert tuple(RecordMetric.values) == RECORD_METRICS


@pytest.mark.parametrize(
    ("name", "value", "metric_units", "shown"),
    [
        ("carry", 250.0, False, "250.0 yd"),
        ("carry", 109.361, True, "100.0 m"),
        ("ball_speed", 100.0, True, "160.9 km/h"),
        ("apex", 98.4252, True, "30 m"),
        ("spin_rate", 2650.4, False, "2,650 rpm"),
        ("smash_factor", 1.456, False, "1.46"),
        ("launch_angle", 12.34, False, "12.3°"),
        ("carry_side", -12.4, False, "12.4 yd L"),
        ("face_angle", 2.0, False, "2.0° R"),
        ("carry_side", 0.01, False, "0.0 yd"),
        ("carry", None, False, "—"),
    ],
)
def test_it_formats_values_in_the_viewers_units(name, value, metric_units, shown):
    assert format_value(METRICS_BY_NAME[name], value, metric_units=metric_units) == shown


def test_conversion_round_trips():
    carry = METRICS_BY_NAME["carry"]
    assert carry.to_canonical(
        carry.from_canonical(250.0, metric=True), metric=True
    ) == pytest.approx(250.0)
