"""Analysers read a launch-monitor photo; settings.SHOT_ANALYSER picks one."""

from __future__ import annotations

from django.conf import settings

from shots.analysis.base import Analyser


def get_analyser() -> Analyser:
    # Imported here so a web process that never analyses never loads the
    # OCR model or the OpenAI SDK.
    if settings.SHOT_ANALYSER == "openai":
        from shots.analysis.openai_analyser import OpenAIAnalyser

        return OpenAIAnalyser()
    from shots.analysis.ocr import OcrAnalyser

    return OcrAnalyser()
