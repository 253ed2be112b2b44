"""The manual shot entry form, in the golfer's own units."""

from __future__ import annotations

import datetime
import math
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from accounts.models import User
from golfshots.local_time import localtime_or_utc
from retailers.models import Retailer
from shots.images import EMPTY_MESSAGE, ImageRejected, ShrunkImage, shrink_upload
from shots.metrics import METRICS, PRIMARY_METRICS, Metric
from shots.models import Club, Shot
from shots.parsing import parse_signed_number
from shots.validation import FUTURE_MESSAGE, hit_at_problem


def _read_time_safely(read: Callable[[], datetime.datetime | None]) -> datetime.datetime | None:
    """``read()``, the field's parsing in the active time zone, with a form error for overflow.

    Django turns a time typed on a zone's clock into a moment with arithmetic
    that overflows within a day of the calendar's ends (0001-01-01 00:00 in
    Berlin is in year 0 in UTC): an OverflowError, which would be a 500.
    Read again on UTC's clock, which cannot overflow, to say what is wrong.
    """
    try:
        return read()
    except OverflowError:
        with timezone.override(datetime.UTC):
            moment = read()
        problem = hit_at_problem(moment) if moment is not None else None
        raise forms.ValidationError(problem or FUTURE_MESSAGE, code="out_of_range") from None


class ShotTimeField(forms.DateTimeField):
    """When a shot was hit, on the golfer's clock: within ``hit_at_problem``'s window."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        return _read_time_safely(lambda: super(ShotTimeField, self).to_python(value))

    def prepare_value(self, value: Any) -> Any:
        # Showing a stored moment at the calendar's ends: on UTC's clock.
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = localtime_or_utc(value).replace(tzinfo=None)
        return super().prepare_value(value)

    def validate(self, value: Any) -> None:
        super().validate(value)
        problem = hit_at_problem(value) if value is not None else None
        if problem is not None:
            raise forms.ValidationError(problem, code="out_of_range")


class SignedMetricField(forms.Field):
    """A lateral value: ``-5``, ``5 L`` or ``3 R`` (text, because phone number pads lack a minus)."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> float | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            if len(text) > 12:
                raise ValueError(text)
            return parse_signed_number(text)
        except ValueError:
            raise forms.ValidationError(
                "Enter a number; use a minus sign or L for left and R for right, e.g. 5 L.",
                code="invalid",
            ) from None


def _shown_range(metric: Metric, *, metric_units: bool) -> tuple[float, float]:
    low, high = (metric.from_canonical(v, metric=metric_units) for v in metric.hard)
    # Round inwards so a value typed at the shown limit is never rejected.
    step = 10**-metric.decimals
    return math.ceil(low / step) * step, math.floor(high / step) * step


def _metric_form_field(metric: Metric, *, metric_units: bool) -> forms.Field:
    unit = metric.unit(metric=metric_units)
    label = f"{metric.label} ({unit})" if unit and unit != "°" else metric.label
    if unit == "°":
        label = f"{metric.label} (°)"
    low, high = _shown_range(metric, metric_units=metric_units)
    if metric.signed:
        return SignedMetricField(
            label=label,
            required=False,
            help_text="Left: minus or L, right: R (e.g. 5 L).",
            widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": "12"}),
        )
    return forms.FloatField(
        label=label,
        required=False,
        widget=forms.NumberInput(
            attrs={"step": "any", "inputmode": "decimal", "min": f"{low:g}", "max": f"{high:g}"}
        ),
    )


def _joined_stores_field(golfer: User) -> forms.ModelChoiceField | None:
    """ "Where": one of the stores the golfer joined, or none. None when they joined no store.

    A golfer who joined exactly one store is most likely there: it is the default.
    """
    stores = Retailer.objects.filter(customer_links__golfer=golfer).order_by("name")
    joined = list(stores[:2])
    if not joined:
        return None
    return forms.ModelChoiceField(
        queryset=stores,
        required=False,
        label="Where",
        empty_label="Not at a store",
        initial=joined[0].pk if len(joined) == 1 else None,
    )


class ShotForm(forms.Form):
    """Club, time and any subset of metrics. ``canonical_metrics()`` gives canonical units."""

    club = forms.ChoiceField(choices=[("", "Choose a club"), *Club.choices])
    hit_at = ShotTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    # Idempotency for double-taps on "Save": one token per rendered form.
    client_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        metric_units: bool,
        shot: Shot | None = None,
        golfer: User | None = None,
        **kwargs: Any,
    ) -> None:
        """``golfer``: offer "Where" (the stores they joined), for a golfer typing a new shot."""
        self.metric_units = metric_units
        self.shot = shot
        initial = kwargs.pop("initial", None) or {}
        if shot is not None:
            initial.update(self._initial_from_shot(shot))
        else:
            initial.setdefault("hit_at", timezone.localtime().replace(second=0, microsecond=0))
            initial.setdefault("client_token", uuid.uuid4().hex)
        super().__init__(data, initial=initial, **kwargs)
        store_field = _joined_stores_field(golfer) if golfer is not None else None
        if store_field is not None:
            store_field.help_text = "Where you hit it. Staff there can verify it for the boards."
            self.fields["retailer"] = store_field
        for metric in METRICS:
            self.fields[metric.name] = _metric_form_field(metric, metric_units=metric_units)

    def _initial_from_shot(self, shot: Shot) -> dict[str, Any]:
        initial: dict[str, Any] = {"club": shot.club, "hit_at": localtime_or_utc(shot.hit_at)}
        for metric in METRICS:
            value = getattr(shot, metric.name)
            if value is not None:
                shown = round(
                    metric.from_canonical(value, metric=self.metric_units), metric.decimals
                )
                initial[metric.name] = f"{shown:g}" if metric.signed else shown
        return initial

    @property
    def primary_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PRIMARY_METRICS]

    @property
    def secondary_fields(self) -> list[forms.BoundField]:
        return [self[m.name] for m in METRICS if m.name not in PRIMARY_METRICS]

    def clean(self) -> dict[str, Any]:
        super().clean()  # Form.clean() returns self.cleaned_data
        cleaned = self.cleaned_data
        canonical: dict[str, float | None] = {}
        for metric in METRICS:
            value = cleaned.get(metric.name)
            if value is None:
                canonical[metric.name] = None
                continue
            if not math.isfinite(value):
                self.add_error(metric.name, "Enter a finite number.")
                continue
            converted = self._unchanged_original(metric, value)
            if converted is None:
                converted = metric.to_canonical(value, metric=self.metric_units)
            if not metric.is_within_hard_range(converted):
                low, high = _shown_range(metric, metric_units=self.metric_units)
                unit = metric.unit(metric=self.metric_units)
                self.add_error(
                    metric.name,
                    f"{metric.label} must be between {low:g} and {high:g}{f' {unit}' if unit else ''}.",
                )
                continue
            canonical[metric.name] = converted
        if not self.errors and all(v is None for v in canonical.values()):
            raise forms.ValidationError("Enter at least one number from the screen.")
        self._canonical = canonical
        return cleaned

    def _unchanged_original(self, metric: Metric, value: float) -> float | None:
        # Round-tripping a metric user's value through km/h would nudge the
        # stored canonical number on every save; keep it if the field is untouched.
        if self.shot is None:
            return None
        original = getattr(self.shot, metric.name)
        if original is None:
            return None
        shown = round(metric.from_canonical(original, metric=self.metric_units), metric.decimals)
        return original if math.isclose(shown, value, abs_tol=1e-9) else None

    def canonical_metrics(self) -> dict[str, float | None]:
        return dict(self._canonical)


class PhotoUploadForm(forms.Form):
    """A photo of the launch-monitor screen; club and store are optional."""

    image = forms.FileField(
        label="Photo of the screen",
        help_text="JPEG, PNG, WebP or HEIC (iPhone) photo.",
        error_messages={"empty": EMPTY_MESSAGE, "required": "Choose a photo of the screen."},
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    club = forms.ChoiceField(
        required=False,
        choices=[("", "Read it from the screen"), *Club.choices],
        help_text="Pick it if the screen doesn't show the club.",
    )
    client_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        files: MultiValueDict[str, UploadedFile] | None = None,
        *,
        golfer: User,
        **kwargs: Any,
    ) -> None:
        initial = kwargs.pop("initial", None) or {}
        initial.setdefault("client_token", uuid.uuid4().hex)
        super().__init__(data, files, initial=initial, **kwargs)
        store_field = _joined_stores_field(golfer)
        if store_field is not None:
            self.fields["retailer"] = store_field
        self.shrunk: ShrunkImage | None = None

    def clean_image(self) -> Any:
        upload = self.cleaned_data["image"]
        try:
            self.shrunk = shrink_upload(upload)
        except ImageRejected as rejection:
            raise forms.ValidationError(rejection.message, code="rejected") from None
        return upload

    def shrunk_image(self) -> ShrunkImage:
        """The photo ``clean_image`` shrank: for a form that ``is_valid()``."""
        if self.shrunk is None:
            raise ValueError("The form has no photo; call is_valid() first.")
        return self.shrunk
