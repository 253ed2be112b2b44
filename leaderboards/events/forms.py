"""Forms for store events: the staff console's event form and the golfer's entry form."""

from __future__ import annotations

from typing import Any

from django import forms

from leaderboards.models import MAX_ATTEMPTS, Event
from retailers.models import Retailer
from shots.models import Club, RecordMetric

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), name
    return field


class DivisionsField(forms.CharField):
    """Division names typed as one comma-separated line: ``Juniors, Seniors, Ladies``."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> Any:
        """The names as a list (CharField's own answer is a string, hence ``Any``)."""
        text = super().to_python(value) or ""
        return [name.strip() for name in text.split(",") if name.strip()]


class EventForm(forms.ModelForm):
    """Times are read and shown in the store's time zone: the view activates it."""

    divisions = DivisionsField(
        required=False,
        max_length=600,
        help_text="Optional, comma-separated, e.g. “Juniors, Seniors, Ladies”. "
        "Golfers pick one when they enter; each gets its own board.",
    )

    class Meta:
        model = Event
        fields = [
            "name",
            "metric",
            "club",
            "starts_at",
            "ends_at",
            "attempt_rule",
            "attempts",
            "divisions",
            "verified_only",
        ]
        labels = {
            "metric": "Ranked by",
            "starts_at": "Starts",
            "ends_at": "Ends",
            "attempt_rule": "Which shots count",
            "attempts": "Shots per golfer (N)",
            "verified_only": "Only staff-verified shots count",
        }
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_LOCAL
            ),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
            "attempts": forms.NumberInput(
                attrs={"min": 1, "max": MAX_ATTEMPTS, "inputmode": "numeric"}
            ),
        }

    def __init__(self, *args: Any, retailer: Retailer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "metric").choices = RecordMetric.choices
        _choice_field(self, "club").choices = [("", "Any club"), *Club.choices]
        self.fields["club"].help_text = "“Any club” lets golfers use whatever they like."
        in_store_time = f"In the store's time zone ({retailer.timezone})."
        self.fields["starts_at"].help_text = in_store_time
        self.fields[
            "ends_at"
        ].help_text = f"{in_store_time} Shots from this moment on do not count."
        if self.instance.pk is None:
            self.initial.setdefault("verified_only", retailer.leaderboard_verified_only)


class EventEntryForm(forms.Form):
    """Entering an event; a division to pick only when the event has divisions."""

    division = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if event.divisions:
            field = _choice_field(self, "division")
            field.required = True
            field.label = "Your division"
            field.choices = [("", "Choose your division"), *((d, d) for d in event.divisions)]
            field.error_messages["required"] = (
                f"Choose your division: {', '.join(event.divisions)}."
            )
        else:
            del self.fields["division"]

    def chosen_division(self) -> str:
        return self.cleaned_data.get("division", "")
