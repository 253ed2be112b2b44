"""Reading the session files launch-monitor apps export: one reader per format, one interface.

``read_export(content, filename=...)`` decodes the bytes (``tables``), asks
each reader in ``READERS`` whether the content is its format (by the
content, never the file name), and returns the first match's ``ReadResult``:
rows of canonical values with their original row numbers, plus what was
skipped and rejected and why. ``shots.services.imports`` turns a result into
a preview and, once confirmed, into shots.

Adding a format: write a module with a ``Reader`` (``detect`` and ``read``),
usually a ``columns.CsvLayout`` and ``columns.read_layout``, add it to
``READERS`` before ``generic``, and give it fixtures and tests in ``tests/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from shots.imports.result import ImportFileError, ReadResult
from shots.imports.tables import Table, table_from_bytes


@dataclass(frozen=True)
class ReadOptions:
    """What the preview lets the user change before anything is saved."""

    # metric -> unit text ("km/h", "m"): wins over what the file says or what was guessed.
    units: Mapping[str, str] = field(default_factory=dict)
    # Generic CSV only: header as written -> metric name or column role.
    mapping: Mapping[str, str] = field(default_factory=dict)


class Reader(Protocol):
    format: str  # key, stored on the import ("garmin_csv")
    label: str  # "Garmin Golf CSV"
    vendor: str  # "Garmin"

    def detect(self, table: Table) -> bool: ...

    def read(self, table: Table, *, options: ReadOptions) -> ReadResult: ...


def _readers() -> tuple[Reader, ...]:
    # Specific formats first; the generic CSV takes whatever has recognisable headers.
    from shots.imports import (
        flightscope,
        foresight,
        garmin,
        generic,
        gspro,
        rapsodo,
        skytrak,
        trackman,
        uneekor,
    )

    return (
        *garmin.READERS,
        *rapsodo.READERS,
        *foresight.READERS,
        *flightscope.READERS,
        *uneekor.READERS,
        *skytrak.READERS,
        *trackman.READERS,
        *gspro.READERS,
        *generic.READERS,
    )


def readers() -> tuple[Reader, ...]:
    return _readers()


def formats() -> dict[str, str]:
    """Format key -> label, for the admin and the preview."""
    return {reader.format: reader.label for reader in readers()}


def detect_reader(table: Table) -> Reader:
    for reader in readers():
        if reader.detect(table):
            return reader
    raise ImportFileError(
        "golfshots does not recognise this file: no column names a launch-monitor metric "
        "(Carry, Ball Speed, ...). Export the session as CSV from your launch monitor's app."
    )


def read_export(
    content: bytes, *, filename: str = "", options: ReadOptions | None = None
) -> ReadResult:
    """Read an uploaded export; ImportFileError (a message for the golfer) if it cannot be."""
    table = table_from_bytes(content, filename=filename)
    reader = detect_reader(table)
    return reader.read(table, options=options or ReadOptions())


__all__ = ["ImportFileError", "ReadOptions", "ReadResult", "Reader", "read_export", "readers"]
