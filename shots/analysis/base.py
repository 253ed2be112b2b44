"""The one interface every analyser implements.

An analyser turns the shrunk JPEG of a launch-monitor screen into canonical
values. It never decides what to trust: ``shots.validation.check_values``
does that for every analyser alike. Errors say whether trying again later
could help, which is all the Celery task needs to know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol


@dataclass
class AnalysisOutput:
    # Canonical metric name -> value in canonical units (None: not on the screen).
    values: dict[str, float | None]
    club: str | None = None  # a shots.models.Club value, or None if not shown
    # Canonical metric name -> the unit text seen on the screen ("km/h", "yds", ...).
    units_seen: dict[str, str] = field(default_factory=dict)
    estimated: set[str] = field(default_factory=set)  # metrics the device marked as estimated
    # Metrics read but not sure enough to store as measured: name -> why, in words a golfer
    # understands ("the unit beside it could not be read"). The pipeline flags each one for
    # review; an analyser never turns doubt into a guess.
    uncertain: dict[str, str] = field(default_factory=dict)
    # How sure the analyser is of each metric it read, 0..1 (OCR's recognition score, or the
    # model's own confidence): kept on the audit row and used by the accuracy report.
    confidence: dict[str, float] = field(default_factory=dict)
    raw: Any = None  # what the analyser saw or returned, JSON-serialisable, for the audit row
    model: str = ""
    prompt_version: str = ""
    request_id: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost: Decimal = Decimal("0")
    device: str = ""  # the launch monitor named on the screen, if any


class AnalyserError(Exception):
    """The analysis failed. ``raw`` keeps whatever came back, for the audit row.

    A paid call can fail after the tokens were spent (a refusal, malformed
    JSON), so the error carries the same audit fields as ``AnalysisOutput``.
    """

    def __init__(
        self,
        message: str,
        *,
        raw: Any = None,
        model: str = "",
        prompt_version: str = "",
        request_id: str = "",
        tokens_in: int = 0,
        tokens_out: int = 0,
        cost: Decimal = Decimal("0"),
    ) -> None:
        super().__init__(message)
        self.raw = raw
        self.model = model
        self.prompt_version = prompt_version
        self.request_id = request_id
        self.tokens_in = tokens_in
        self.tokens_out = tokens_out
        self.cost = cost


class TransientAnalyserError(AnalyserError):
    """Worth retrying later: timeouts, rate limits (429), server errors (5xx)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **audit: Any) -> None:
        super().__init__(message, **audit)
        self.retry_after = retry_after  # seconds the server asked us to wait, if it said


class PermanentAnalyserError(AnalyserError):
    """Retrying cannot help: bad API key, refusal, unreadable answer."""


class Analyser(Protocol):
    name: str  # "ocr" or "openai": stored on every ShotAnalysis row

    def analyse(self, image: bytes) -> AnalysisOutput: ...
