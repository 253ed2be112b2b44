"""The forms of a launch-monitor file import: the upload, and the preview's choices.

``ImportUploadForm`` takes the file (and "Where", as the photo upload does);
reading it is the service's job (``shots.services.imports.import_upload``).
``ImportChoicesForm`` is built from an ``ImportPlan``: one club select per
club the file names, one unit select per column whose metric can be in more
than one unit, and the session's start when the file does not give every
shot a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict

from accounts.models import User
from shots.analysis.units import FACTORS
from shots.forms import ShotTimeField, _joined_stores_field
from shots.imports.plan import LEAVE_OUT, ClubFound, ImportPlan
from shots.imports.result import UNIT_GUESSED, ColumnUnit
from shots.imports.tables import MAX_IMPORT_BYTES
from shots.metrics import METRICS_BY_NAME, Quantity
from shots.models import Club

# The units a column of each kind can be switched to in the preview, as the
# readers spell them. Spin, angles, ratios and times have one unit: no choice.
UNIT_OPTIONS: dict[Quantity, list[tuple[str, str]]] = {
    Quantity.SPEED: [("mph", "mph"), ("km/h", "km/h"), ("m/s", "m/s")],
    Quantity.DISTANCE: [("yds", "yards"), ("m", "metres")],
    Quantity.HEIGHT: [("ft", "feet"), ("m", "metres"), ("yds", "yards")],
}
# Where a column's unit came from, as the preview says it.
UNIT_SOURCE_LABELS = {
    "units row": "from the file's units row",
    "header": "from the column's name",
    "format": "what this format always uses",
    "chosen": "chosen in this preview",
}
SESSION_TIME_SOURCE_LABELS = {
    "file": "from the file",
    "file name": "from the file's name",
    "chosen": "as entered here",
}
CLUB_CHOICES = [("", "Choose a club"), *Club.choices, (LEAVE_OUT, "Leave these rows out")]


class ImportUploadForm(forms.Form):
    """The exported session file and, for a golfer of a store, where it was hit."""

    file = forms.FileField(
        label="Session file",
        help_text=(
            "The CSV (or Excel or JSON) file your launch monitor's app exports: Garmin Golf, "
            "Rapsodo, Foresight, FlightScope, Uneekor, SkyTrak, Trackman or GSPro."
        ),
        # An empty file reaches the reader, which says what is wrong with it in its own words.
        allow_empty_file=True,
        error_messages={"required": "Choose the file your launch monitor's app exported."},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,.tsv,.xlsx,.json,.session,text/csv"}
        ),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        files: MultiValueDict[str, UploadedFile] | None = None,
        *,
        golfer: User,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, files, **kwargs)
        store_field = _joined_stores_field(golfer)
        if store_field is not None:
            store_field.help_text = "Where you hit the session. Staff there can see its shots."
            self.fields["retailer"] = store_field

    def file_name(self) -> str:
        return str(self.cleaned_data["file"].name or "")

    def file_content(self) -> bytes:
        """The file's bytes; one past the size limit at most, so the service can refuse it."""
        upload: UploadedFile = self.cleaned_data["file"]
        upload.seek(0)
        return upload.read(MAX_IMPORT_BYTES + 1)


@dataclass(frozen=True)
class ClubRow:
    found: ClubFound
    field: forms.BoundField


@dataclass(frozen=True)
class ColumnRow:
    column: ColumnUnit
    label: str  # the metric's name in golfshots
    unit: str  # the unit it is read in, as shown
    source: str  # where that unit came from, as shown
    field: forms.BoundField | None  # None: the metric has one unit only


def needs_session_time(plan: ImportPlan) -> bool:
    """Whether some row has no time of its own, so the session's start dates it."""
    return any(row.hit_at is None for row in plan.result.rows)


def _unit_option(quantity: Quantity, unit: str) -> str:
    """The option a column's unit is: "yards" or "yd" read as "yds", "" as the canonical unit."""
    options = UNIT_OPTIONS[quantity]
    if not unit:
        return options[0][0]
    factor = FACTORS[quantity].get(unit)
    for value, _label in options:
        if FACTORS[quantity][value] == factor:
            return value
    return unit


class ImportChoicesForm(forms.Form):
    """The preview's choices for one import's plan: clubs, units and the session's start.

    Club fields are numbered in the plan's club order, which depends on the
    file alone (never on the choices), so a posted form maps back to the same
    clubs it was drawn for.
    """

    def __init__(self, data: Mapping[str, Any] | None = None, *, plan: ImportPlan) -> None:
        super().__init__(data)
        self.plan = plan
        for index, found in enumerate(plan.clubs):
            self.fields[f"club-{index}"] = forms.ChoiceField(
                label=f"“{found.text}”" if found.text else "Shots with no club in the file",
                choices=CLUB_CHOICES,
                required=False,
                initial=found.chosen,
            )
        for column in plan.columns:
            quantity = METRICS_BY_NAME[column.metric].quantity
            if quantity in UNIT_OPTIONS:
                self.fields[f"unit-{column.metric}"] = forms.ChoiceField(
                    label=f"Unit of “{column.header}”",
                    choices=UNIT_OPTIONS[quantity],
                    initial=_unit_option(quantity, column.unit),
                )
        if needs_session_time(plan):
            started = plan.session_started_at
            # The shots' own window (shots.validation.hit_at_problem), as on the shot form.
            self.fields["session_started_at"] = ShotTimeField(
                label="Session date and time",
                required=False,
                help_text="When you hit the first shot; the file does not say.",
                initial=started,
                widget=forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
                ),
            )

    def chosen_clubs(self) -> dict[str, str]:
        """Club as written -> our club (or ``LEAVE_OUT``), for every club given a choice."""
        return {
            found.text: choice
            for index, found in enumerate(self.plan.clubs)
            if (choice := self.cleaned_data.get(f"club-{index}"))
        }

    def chosen_units(self) -> dict[str, str]:
        """Metric -> unit, for the columns whose unit was changed.

        An unchanged unit is left out, so the preview keeps saying where it
        came from ("units row") instead of "chosen".
        """
        chosen = {}
        for column in self.plan.columns:
            unit = self.cleaned_data.get(f"unit-{column.metric}")
            quantity = METRICS_BY_NAME[column.metric].quantity
            if unit and unit != _unit_option(quantity, column.unit):
                chosen[column.metric] = unit
        return chosen

    def chosen_session_start(self) -> datetime | None:
        started: datetime | None = self.cleaned_data.get("session_started_at")
        return started

    @property
    def club_rows(self) -> list[ClubRow]:
        return [
            ClubRow(found=found, field=self[f"club-{index}"])
            for index, found in enumerate(self.plan.clubs)
        ]

    @property
    def column_rows(self) -> list[ColumnRow]:
        rows = []
        for column in self.plan.columns:
            metric = METRICS_BY_NAME[column.metric]
            name = f"unit-{column.metric}"
            field = self[name] if name in self.fields else None
            if column.source == UNIT_GUESSED:
                source = f"guessed: {column.reason}" if column.reason else "guessed"
            else:
                source = UNIT_SOURCE_LABELS.get(column.source, column.source)
            if metric.quantity in UNIT_OPTIONS:
                option = _unit_option(metric.quantity, column.unit)
                unit = dict(UNIT_OPTIONS[metric.quantity]).get(option, option)
            else:
                unit = column.unit or metric.unit(metric=False)
            rows.append(
                ColumnRow(column=column, label=metric.label, unit=unit, source=source, field=field)
            )
        return rows

    @property
    def session_time_source(self) -> str:
        return SESSION_TIME_SOURCE_LABELS.get(self.plan.session_time_source, "")
