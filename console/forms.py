"""Forms of the store console. Shot values reuse shots.forms.ShotForm."""

from __future__ import annotations

import zoneinfo
from typing import Any, cast

from django import forms

from retailers.models import CustomerLink, Retailer, Role
from retailers.services import STORE_SETTINGS
from shots.models import ShotReview

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


class IncludeForm(forms.Form):
    reason = forms.CharField(label="Note (optional)", max_length=REASON_MAX_LENGTH, required=False)


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
