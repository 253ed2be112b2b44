"""``manage.py analyser_report`` and its scoring (``shots.analysis.accuracy``).

The scoring rules are checked on analyser output written by hand; the
command runs the real OCR analyser on a screen drawn by ``screens.py`` with
hand-chosen numbers and two truth files for it: one right, one deliberately
wrong, which the report must count as a units error and false accepts.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from shots.analysis.accuracy import (
    ABSENT,
    INVENTED,
    MISSED,
    RIGHT,
    WRONG,
    TruthFileError,
    load_truth,
    parse_truth,
    percentile,
    score_output,
)
from shots.analysis.base import AnalysisOutput
from shots.analysis.units import to_canonical
from shots.images import shrink_upload
from shots.metrics import YARDS_PER_METRE
from shots.tests import fake_openai as fake
from shots.tests.screens import ScreenSpec, available_fonts, render_screen


def _truth(values: dict, units: dict | None = None, **extra):
    return parse_truth({"values": values, "units": units or {}, **extra})


def _output(values: dict, *, club: str | None = None, uncertain: dict | None = None):
    return AnalysisOutput(values=values, club=club, uncertain=uncertain or {})


def _by_field(results):
    return {result.field: result for result in results}


# --- scoring --------------------------------------------------------------------------


def test_a_value_shown_in_metres_and_stored_converted_is_right():
    truth = _truth({"carry": 97}, {"carry": "m"})
    results = _by_field(score_output("a.png", truth, _output({"carry": 97 * YARDS_PER_METRE})))
    assert results["carry"].outcome == RIGHT
    assert not results["carry"].false_accept


def test_metres_stored_as_yards_is_a_units_error_and_a_false_accept():
    truth = _truth({"carry": 97}, {"carry": "m"})
    carry = _by_field(score_output("a.png", truth, _output({"carry": 97.0})))["carry"]
    assert carry.outcome == WRONG
    assert carry.units_error == "yd"
    assert carry.false_accept


def test_a_plain_misread_is_wrong_but_not_a_units_error():
    truth = _truth({"carry": 97}, {"carry": "m"})
    carry = _by_field(score_output("a.png", truth, _output({"carry": 79 * YARDS_PER_METRE})))[
        "carry"
    ]
    assert (carry.outcome, carry.units_error, carry.false_accept) == (WRONG, "", True)


def test_a_value_is_judged_to_half_the_last_digit_the_screen_shows():
    # 22.0 shows one decimal (kept by reading the JSON numbers as Decimal); 97 shows none.
    truth = _truth({"launch_angle": Decimal("22.0"), "carry": 97}, {"carry": "m"})
    close = {"launch_angle": 22.04, "carry": 97.4 * YARDS_PER_METRE}
    too_far = {"launch_angle": 22.06, "carry": 97.6 * YARDS_PER_METRE}
    assert {r.outcome for r in score_output("a", truth, _output(close)) if r.field != "club"} == {
        RIGHT
    }
    assert {r.outcome for r in score_output("a", truth, _output(too_far)) if r.field != "club"} == {
        WRONG
    }


def test_the_digits_shown_come_from_the_as_shown_text_when_there_is_one():
    truth = _truth({"smash_factor": 1.3, "smash_factor_as_shown": "1.30"})
    assert truth.values["smash_factor"].decimals == 2
    result = _by_field(score_output("a", truth, _output({"smash_factor": 1.34})))
    assert result["smash_factor"].outcome == WRONG


def test_a_wrong_value_flagged_uncertain_is_not_a_false_accept():
    truth = _truth({"carry": 97}, {"carry": "m"})
    output = _output({"carry": 97.0}, uncertain={"carry": "the unit could not be read"})
    carry = _by_field(score_output("a", truth, output))["carry"]
    assert carry.outcome == WRONG
    assert carry.uncertain == "the unit could not be read"
    assert not carry.false_accept


def test_a_metric_the_truth_does_not_list_is_invented_and_a_false_accept_unless_uncertain():
    truth = _truth({"carry": 40.0}, {"carry": "yds"})
    invented = _by_field(score_output("a", truth, _output({"carry": 40.0, "total": 38.0})))
    assert invented["total"].outcome == INVENTED
    assert invented["total"].false_accept
    flagged = _by_field(
        score_output("a", truth, _output({"carry": 40.0, "total": 38.0}, uncertain={"total": "?"}))
    )
    assert not flagged["total"].false_accept


def test_numbers_that_are_no_metric_are_not_judged():
    truth = _truth(
        {"carry": 40.0, "distance_to_pin": 38.0, "from_pin": 6.0, "carry_avg": 39.9},
        {"carry": "yds", "distance_to_pin": "yds", "from_pin": "ft", "carry_avg": "yds"},
    )
    assert set(truth.values) == {"carry"}
    assert [r.field for r in score_output("a", truth, _output({"carry": 40.0}))] == [
        "carry",
        "club",
    ]


def test_truth_aliases_and_signed_text_map_to_our_metrics():
    truth = _truth(
        {"smash": 1.26, "descent": 39.1, "club_path": "3.0°L", "face_angle": "R 2.1"},
        {"descent": "deg", "club_path": "deg, L=-", "face_angle": "deg, R=+"},
    )
    assert truth.values["smash_factor"].shown == 1.26
    assert truth.values["descent_angle"].shown == 39.1
    assert truth.values["club_path"].shown == -3.0
    assert truth.values["face_angle"].shown == 2.1


def test_a_left_value_stored_as_right_is_wrong():
    truth = _truth({"club_path": -3.0}, {"club_path": "deg, L=-"})
    assert _by_field(score_output("a", truth, _output({"club_path": 3.0})))[
        "club_path"
    ].outcome == (WRONG)


def test_a_club_the_screen_does_not_show_must_not_be_invented():
    truth = _truth({"club": None})
    assert _by_field(score_output("a", truth, _output({})))["club"].outcome == ABSENT
    invented = _by_field(score_output("a", truth, _output({}, club="7i")))["club"]
    assert invented.outcome == INVENTED
    assert invented.false_accept


def test_a_club_shown_must_be_read_and_mapped():
    truth = _truth({"club": "8 Iron"})
    assert _by_field(score_output("a", truth, _output({}, club="8i")))["club"].outcome == RIGHT
    assert _by_field(score_output("a", truth, _output({})))["club"].outcome == MISSED
    wrong = _by_field(score_output("a", truth, _output({}, club="9i")))["club"]
    assert (wrong.outcome, wrong.false_accept) == (WRONG, True)


def test_fields_the_truth_is_unsure_of_are_not_judged():
    truth = _truth({"carry": 97, "total": 106}, {"carry": "m", "total": "m"}, uncertain=["total"])
    fields = _by_field(score_output("a", truth, _output({"carry": 97 * YARDS_PER_METRE})))
    assert "total" not in fields


def test_a_truth_value_in_a_unit_the_metric_cannot_have_is_an_error():
    with pytest.raises(TruthFileError, match="carry cannot be in the unit 'strokes'"):
        _truth({"carry": 1.0}, {"carry": "strokes"})


def test_a_truth_file_that_is_not_json_names_the_file(tmp_path):
    path = tmp_path / "shot.png.truth.json"
    path.write_text('{"values": {"carry": 97,}}')
    with pytest.raises(TruthFileError, match=r"shot\.png\.truth\.json: is not valid JSON"):
        load_truth(path)


def test_the_percentile_is_a_measured_value():
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.95) == 4.0
    assert percentile([], 0.5) is None


# --- the command, with the real OCR analyser -----------------------------------------

# What the hand-made screen prints (caption layout, metric units): written down
# here by hand, then drawn from these numbers.
SHOWN = {
    "carry": ("142.5", "m"),
    "total": ("151.0", "m"),
    "ball_speed": ("180.2", "km/h"),
    "club_speed": ("135.5", "km/h"),
    "launch_angle": ("17.3", "°"),
    "spin_rate": ("6540", "rpm"),
    "apex": ("27.4", "m"),
    "carry_side": ("4.2", "m"),
    "descent_angle": ("47.5", "°"),
}


def _hand_made_screen_png() -> bytes:
    font = "dejavu-sans" if "dejavu-sans" in available_fonts() else "default"
    spec = ScreenSpec(
        layout="caption",
        theme="light",
        font=font,
        units="metric_kmh",
        club="7i",
        values={
            metric: to_canonical(metric, float(number), unit)
            for metric, (number, unit) in SHOWN.items()
        },
    )
    screen = render_screen(spec)
    buffer = io.BytesIO()
    screen.image.save(buffer, "PNG")
    return buffer.getvalue()


def _truth_text(values: dict, units: dict) -> str:
    # Numbers go in as JSON text so "151.0" keeps its one decimal, as a person would write it.
    body = ", ".join(f'"{name}": {value}' for name, value in values.items())
    return json.dumps({"values": "VALUES", "units": units}).replace('"VALUES"', "{" + body + "}")


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("screens")
    png = _hand_made_screen_png()
    (folder / "right.png").write_bytes(png)
    (folder / "right.png.truth.json").write_text(
        _truth_text(
            {**{name: number for name, (number, _) in SHOWN.items()}, "club": '"7 Iron"'},
            {name: unit for name, (_, unit) in SHOWN.items()},
        )
    )
    # The same screen with a deliberately wrong truth: carry said to be in yards (so the
    # analyser's correct conversion looks like metres taken for yards), total a metre
    # off, apex left out, and no club.
    (folder / "wrong.png").write_bytes(png)
    wrong_values = {name: number for name, (number, _) in SHOWN.items() if name != "apex"}
    wrong_values["total"] = "152.0"
    wrong_values["club"] = "null"
    wrong_units = {name: unit for name, (_, unit) in SHOWN.items() if name != "apex"}
    wrong_units["carry"] = "yds"
    (folder / "wrong.png.truth.json").write_text(_truth_text(wrong_values, wrong_units))
    # Neither of these is part of the report.
    (folder / "no-truth.png").write_bytes(png)
    (folder / "notes.txt").write_text("not an image")
    return folder


@pytest.fixture(scope="module")
def command_run(report_folder, tmp_path_factory) -> tuple[str, dict]:
    json_path = tmp_path_factory.mktemp("report") / "report.json"
    out = io.StringIO()
    # Returning normally is exit code 0: the command reports even when fields are wrong.
    call_command(
        "analyser_report",
        str(report_folder),
        "--analyser",
        "ocr",
        "--json",
        str(json_path),
        stdout=out,
    )
    return out.getvalue(), json.loads(json_path.read_text())


def _image(report: dict, name: str) -> dict:
    return next(image for image in report["images"] if image["image"] == name)


def test_the_report_covers_only_images_with_a_truth_file(command_run):
    _, report = command_run
    assert [image["image"] for image in report["images"]] == ["right.png", "wrong.png"]
    assert report["analyser"] == "ocr"
    assert report["shrunk_as_upload"] is True


def test_a_screen_read_right_scores_every_field_right(command_run):
    _, report = command_run
    right = _image(report, "right.png")
    assert right["metric_fields_right"] == right["metric_fields_shown"] == len(SHOWN)
    assert right["club"] == RIGHT
    assert right["false_accepts"] == right["units_errors"] == 0


def test_a_wrong_truth_shows_up_as_a_units_error_and_false_accepts(command_run):
    _, report = command_run
    wrong = _image(report, "wrong.png")
    fields = {field["field"]: field for field in wrong["fields"]}
    assert fields["carry"]["units_error"] == "m"
    assert fields["total"]["outcome"] == WRONG
    assert fields["apex"]["outcome"] == INVENTED
    assert fields["club"]["outcome"] == INVENTED
    false_accepts = {name for name, field in fields.items() if field["false_accept"]}
    assert false_accepts == {"carry", "total", "apex", "club"}
    assert report["totals"]["units_errors"] == 1
    assert report["totals"]["false_accepts"] == 4
    assert report["totals"]["metric_fields_shown"] == 2 * len(SHOWN) - 1


def test_the_text_report_lists_the_failures_and_the_time_per_image(command_run):
    text, report = command_run
    assert "Units errors (read right as a number, stored in the wrong unit): 1" in text
    assert "wrong.png carry: shown 142.5 yds, stored 155.84 yds: taken as m" in text
    assert "False accepts (wrong or invented, not flagged uncertain): 4" in text
    assert "wall p50" in text
    assert "CPU p50" in text
    assert report["totals"]["wall_seconds"]["p95"] > 0
    assert report["totals"]["cpu_seconds"]["p50"] > 0


@pytest.fixture(scope="module")
def large_blank_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("blank")
    Image.new("RGB", (2400, 1350), "#334433").save(folder / "blank.png")
    (folder / "blank.png.truth.json").write_text('{"values": {"club": null}, "units": {}}')
    return folder


@pytest.mark.parametrize(
    ("arguments", "size"), [((), [1920, 1080]), (("--original",), [2400, 1350])]
)
def test_images_are_shrunk_as_an_upload_unless_original_is_asked_for(
    large_blank_folder, arguments, size
):
    out = io.StringIO()
    call_command(
        "analyser_report",
        str(large_blank_folder),
        "--analyser",
        "ocr",
        *arguments,
        "--json",
        "-",
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert report["images"][0]["analysed_size"] == size
    assert report["shrunk_as_upload"] is not arguments
    # Nothing on the screen and nothing read: right, including the absent club.
    assert report["totals"]["false_accepts"] == 0
    assert report["images"][0]["club"] == ABSENT


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("analyser_report", str(tmp_path / "nowhere"), "--analyser", "ocr")


def test_a_folder_without_truth_files_is_a_clear_error(tmp_path):
    Image.new("RGB", (64, 64)).save(tmp_path / "shot.png")
    with pytest.raises(CommandError, match=r"has no image with a <image>\.truth\.json beside it"):
        call_command("analyser_report", str(tmp_path), "--analyser", "ocr")


def test_a_bad_truth_file_is_a_clear_error_before_anything_is_analysed(tmp_path):
    Image.new("RGB", (64, 64)).save(tmp_path / "good.png")
    (tmp_path / "good.png.truth.json").write_text('{"values": {"carry": 40}, "units": {}}')
    Image.new("RGB", (64, 64)).save(tmp_path / "shot.png")
    (tmp_path / "shot.png.truth.json").write_text('{"values": [1, 2]}')
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"shot\.png\.truth\.json: .*\"values\" object"):
        call_command("analyser_report", str(tmp_path), "--analyser", "ocr", stdout=out)
    assert "good.png" not in out.getvalue()


def test_the_openai_analyser_needs_a_key(tmp_path, settings):
    settings.OPENAI_API_KEY = ""
    with pytest.raises(CommandError, match="OPENAI_API_KEY"):
        call_command("analyser_report", str(tmp_path), "--analyser", "openai")


def test_the_report_runs_the_openai_analyser_against_a_server_on_this_machine(
    report_folder, fake_openai, tmp_path
):
    # The fake answers the right screen with its truth and the wrong-truth copy of the
    # same screen with a misread; the real SDK talks to it over HTTP on 127.0.0.1.
    picture = SimpleUploadedFile("right.png", (report_folder / "right.png").read_bytes())
    jpeg = shrink_upload(picture).content
    readings = {name: (float(number), unit) for name, (number, unit) in SHOWN.items()}
    fake_openai.answer_image(jpeg, fake.good_answer(fake.screen_answer(readings, club="7 Iron")))
    json_path = tmp_path / "report.json"

    call_command(
        "analyser_report",
        str(report_folder),
        "--analyser",
        "openai",
        "--json",
        str(json_path),
        stdout=io.StringIO(),
    )

    report = json.loads(json_path.read_text())
    right = _image(report, "right.png")
    assert report["analyser"] == "openai"
    assert right["metric_fields_right"] == right["metric_fields_shown"] == len(SHOWN)
    assert right["club"] == RIGHT
    assert _image(report, "wrong.png")["units_errors"] == 1
