"""Forms of the store console. Shot values reuse shots.forms.ShotForm."""

from __future__ import annotations

import zoneinfo
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet

from console.selectors import QueueReason
from leaderboards.models import Event
from retailers.models import CustomerLink, Retailer, Role
from retailers.services import STORE_SETTINGS
from shots.forms import ShotForm
from shots.models import Shot, ShotReview

REASON_MAX_LENGTH = ShotReview._meta.get_field("reason").max_length


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label="Search customers",
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": "Name, board name or username"}),
    )


class ExcludeForm(forms.Form):
    reason = forms.CharField(
        label="Why exclude it?",
        max_length=REASON_MAX_LENGTH,
        help_text="The golfer sees this reason on the shot.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the shot page also has the correction form's "reason".
        kwargs.setdefault("auto_id", "id_exclude_%s")
        super().__init__(*args, **kwargs)


class IncludeForm(forms.Form):
    reason = forms.CharField(label="Note (optional)", max_length=REASON_MAX_LENGTH, required=False)


class StaffCorrectForm(ShotForm):
    """The shot's values as staff correct them, and why: the golfer sees the reason."""

    reason = forms.CharField(
        label="Why correct it?",
        max_length=REASON_MAX_LENGTH,
        help_text="The golfer sees this reason on the shot, with the old and new values.",
        error_messages={"required": "Say why you corrected the shot; the golfer will see it."},
    )


class QueueFilterForm(forms.Form):
    """The verification queue's filters (GET): one reason, one running event."""

    reason = forms.ChoiceField(
        label="Reason",
        required=False,
        choices=[("", "Any reason"), *QueueReason.choices],
    )
    event = forms.TypedChoiceField(label="Event", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, events: list[Event], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events = {event.pk: event for event in events}
        event_field = cast(forms.TypedChoiceField, self.fields["event"])
        event_field.choices = [("", "Any event"), *((e.pk, e.name) for e in events)]
        event_field.error_messages["invalid_choice"] = (
            "That event is not running at this store; pick one from the list."
        )

    def filters(self) -> dict[str, Any]:
        """The valid filters as ``VerificationQueue.narrowed`` takes them (none if invalid)."""
        if not self.is_valid():
            return {}
        event_id = self.cleaned_data["event"]
        return {
            "reason": self.cleaned_data["reason"],
            "event": self.events[event_id] if event_id is not None else None,
        }

    def query_string(self) -> str:
        """The valid filters as a query string ("" for none), to carry from shot to shot."""
        if not self.is_valid():
            return ""
        params = {name: self.cleaned_data[name] for name in ("reason", "event")}
        return urlencode({name: value for name, value in params.items() if value})


class BulkVerifyForm(forms.Form):
    """Shots ticked in the queue to verify at once; only the store's unverified shots."""

    shots = forms.ModelMultipleChoiceField(
        queryset=Shot.objects.none(),
        error_messages={
            "required": "Tick the shots to verify first.",
            "invalid_choice": (
                "Shot #%(value)s is not waiting for verification at this store; "
                "reload the queue and try again. Nothing was verified."
            ),
            "invalid_pk_value": "“%(pk)s” is not a shot number. Nothing was verified.",
        },
    )

    def __init__(self, *args: Any, waiting: QuerySet[Shot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["shots"]).queryset = waiting


class CustomerLinkChoiceField(forms.ModelChoiceField):
    """A store's customers, each shown by name and username."""

    def label_from_instance(self, obj: CustomerLink) -> str:
        return f"{obj.golfer.display_name or obj.golfer.username} (@{obj.golfer.username})"


class CustomerChoiceForm(forms.Form):
    """Pick which of the store's customers a shot is recorded for."""

    golfer = CustomerLinkChoiceField(
        queryset=CustomerLink.objects.none(),
        # The golfer's id, not the link's: it is what the next page's URL names.
        to_field_name="golfer_id",
        label="Customer",
        empty_label="Choose a customer",
    )

    def __init__(self, *args: Any, retailer: Retailer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(CustomerLinkChoiceField, self.fields["golfer"]).queryset = (
            CustomerLink.objects.filter(retailer=retailer)
            .select_related("golfer")
            .order_by("golfer__display_name", "golfer__username")
        )


class StoreSettingsForm(forms.ModelForm):
    class Meta:
        model = Retailer
        # What retailer_update_settings accepts, so the form cannot offer more.
        fields = list(STORE_SETTINGS)
        labels = {"contact_email": "Contact e-mail", "timezone": "Time zone"}

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        if name not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                "Enter a time zone such as Europe/London or America/Denver."
            )
        return name


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.STAFF,
        label="Role",
        help_text="Owners also manage staff, settings and the plan.",
    )
