"""Write the test suite's generated phone photos, each with a truth file, into a folder.

    .venv/bin/python bench/write_screens.py /tmp/generated-screens
    .venv/bin/python manage.py analyser_report /tmp/generated-screens

The photos are the 16 cases of ``shots/tests/test_ocr_analyser.py`` (its
``CASES``, drawn by ``shots/tests/screens.py`` and photographed with the same
seeds), as the 12 MP JPEGs a phone uploads. Beside each, ``<photo>.truth.json``
says what the screen shows in the format of the real screens' truth files
(``../shared/reference/screens``): values as printed, signed (L negative), in
the unit printed, so ``analyser_report`` scores the generated and the real
screens alike. Write them outside the repository: they are 3–4 MB each.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# "12.4 L yds", "L12.4 m", "12.4L m", "-12.4 m", "12.4° R", "1.45", "5600 rpm": as screens.py prints.
_PRINTED = re.compile(
    r"^(?P<before>[LR])?(?P<number>-?\d+(?:\.\d+)?)(?P<degree>°)?\s*(?P<after>[LR])?(?:\s+(?P<unit>\S.*))?$"
)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "golfshots.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def shown_value(metric: str, printed: str, canonical: float) -> tuple[float | int, str]:
    """(the number printed, signed, and the unit printed) for one printed value.

    Checked against the canonical value the generator says the text means, so
    a truth file can never disagree with the screen it describes.
    """
    from shots.analysis.units import to_canonical

    match = _PRINTED.match(printed)
    if match is None:
        raise ValueError(f"{metric}: cannot read the printed value {printed!r}")
    number = match["number"]
    if (match["before"] or match["after"]) == "L":
        number = f"-{number}"
    unit = "°" if match["degree"] else (match["unit"] or "")
    meant = to_canonical(metric, float(number), unit or None)
    if abs(meant - canonical) > 1e-6:
        raise ValueError(f"{metric}: {printed!r} means {meant}, the generator says {canonical}")
    return (float(number) if "." in number else int(number)), unit


def truth_for(index: int) -> tuple[bytes, dict[str, object]]:
    """The phone photo of case ``index`` and its truth."""
    from shots.tests.screens import _CLUB_NAMES, phone_photo, render_screen, spec_for_case

    spec = spec_for_case(index)
    screen = render_screen(spec)
    # The same seed as test_ocr_analyser._run_case, so these are the suite's photos.
    photo = phone_photo(screen.image, random.Random(index))
    values: dict[str, object] = {}
    units: dict[str, str] = {}
    for metric, canonical in screen.expected.items():
        number, unit = shown_value(metric, screen.shown_text[metric], canonical)
        values[metric] = number
        # A JSON number loses trailing zeros (1.30 -> 1.3); the text keeps the digits
        # printed, which decide the tolerance.
        values[f"{metric}_as_shown"] = screen.shown_text[metric]
        units[metric] = unit
    # The club's spelling as render_screen prints it (its own choice rule).
    names = _CLUB_NAMES[spec.club]
    values["club"] = names[spec.club_name_choice % len(names)]
    truth: dict[str, object] = {
        "vendor": "generated",
        "app": f"shots/tests/screens.py case {index}: {spec.layout} layout, {spec.theme} theme, "
        f"{spec.units}, font {spec.font}, side style {spec.side_style}",
        "source": "bench/write_screens.py (the cases of shots/tests/test_ocr_analyser.py)",
        "values": values,
        "units": units,
        "uncertain": [],
    }
    return photo, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="Where to write the photos and truth files.")
    arguments = parser.parse_args()
    _setup_django()
    from shots.tests.test_ocr_analyser import CASES

    arguments.folder.mkdir(parents=True, exist_ok=True)
    for index in CASES:
        photo, truth = truth_for(index)
        path = arguments.folder / f"generated-case-{index:02d}.jpg"
        path.write_bytes(photo)
        path.with_name(path.name + ".truth.json").write_text(
            json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"{path}  ({truth['app']})")


if __name__ == "__main__":
    main()
