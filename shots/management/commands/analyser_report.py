"""How accurately an analyser reads a folder of screens with known answers.

    manage.py analyser_report ../shared/reference/screens
    manage.py analyser_report /tmp/screens --analyser ocr --json /tmp/report.json

Every image (png, jpg, jpeg, webp, heic) with ``<image>.truth.json`` beside
it is analysed, by default after ``shrink_upload`` as an upload would be, and
scored by ``shots.analysis.accuracy``. The command reports and never judges:
it exits 0 however many fields were wrong, so it can be run in CI for the
figures and the test suite decides what must pass.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shots.analysis import get_analyser
from shots.analysis.accuracy import TruthFileError, render_text, report_as_dict, run_report
from shots.analysis.base import Analyser


def analyser_named(name: str | None) -> Analyser:
    """The analyser ``--analyser`` asks for, or the configured one (settings.SHOT_ANALYSER)."""
    if name is None:
        return get_analyser()
    if name == "openai":
        if not settings.OPENAI_API_KEY:
            raise CommandError("--analyser openai needs OPENAI_API_KEY to be set.")
        from shots.analysis.openai_analyser import OpenAIAnalyser

        return OpenAIAnalyser()
    from shots.analysis.ocr import OcrAnalyser

    return OcrAnalyser()


class Command(BaseCommand):
    help = (
        "Run an analyser on every image in a folder that has <image>.truth.json beside it "
        "and report per-field accuracy, units errors, false accepts, uncertain fields, "
        "clubs and time per image."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "folder", type=Path, help="Folder of images and their .truth.json files."
        )
        parser.add_argument(
            "--analyser",
            choices=("ocr", "openai"),
            default=None,
            help=f"Which analyser to run (default: the configured one, {settings.SHOT_ANALYSER}).",
        )
        parser.add_argument(
            "--original",
            action="store_true",
            help="Analyse the files as they are, not shrunk as an upload would be.",
        )
        parser.add_argument(
            "--json",
            dest="json_path",
            type=Path,
            default=None,
            metavar="PATH",
            help="Also write the report as JSON to PATH ('-' for standard output instead of text).",
        )

    def handle(
        self,
        *args: Any,
        folder: Path,
        analyser: str | None,
        original: bool,
        json_path: Path | None,
        **options: Any,
    ) -> None:
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        chosen = analyser_named(analyser)
        try:
            report = run_report(
                folder,
                chosen,
                shrink=not original,
                warm_up=self._load_ocr_model if chosen.name == "ocr" else None,
            )
        except TruthFileError as error:
            raise CommandError(str(error)) from error
        as_json = json.dumps(report_as_dict(report), indent=2, ensure_ascii=False)
        if json_path is not None and str(json_path) == "-":
            self.stdout.write(as_json)
            return
        self.stdout.write(render_text(report), ending="")
        if json_path is not None:
            json_path.write_text(as_json + "\n", encoding="utf-8")
            self.stdout.write(f"JSON report written to {json_path}")

    def _load_ocr_model(self) -> None:
        # Loaded before the first image, so each image's time is analysis alone.
        from shots.analysis.ocr import ocr_engine

        started = time.perf_counter()
        ocr_engine()
        self.stderr.write(f"OCR model loaded in {time.perf_counter() - started:.2f} s.")
