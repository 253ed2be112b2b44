"""Forms for signing up and for a golfer's own settings."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm

from accounts.models import Handedness, Units, User
from accounts.services import known_timezones
from accounts.timezones import canonical_zone_names, timezone_choices_grouped


class TimezoneField(forms.ChoiceField):
    """Offers the canonical zones, grouped by region; accepts any valid IANA name.

    A zone stored before (or reported by a browser) that the short list leaves
    out, e.g. "US/Eastern", stays valid and is offered as it is.
    """

    def valid_value(self, value: Any) -> bool:
        return str(value) in known_timezones()


def _timezone_choices_for(current: str) -> list[tuple[str, Any]]:
    choices = timezone_choices_grouped()
    if current and current != "UTC" and current not in canonical_zone_names():
        choices.insert(0, (current, current.replace("_", " ")))
    return choices


class SignUpForm(UserCreationForm):
    # An address another account has is accepted (accounts.services.user_sign_up
    # tells that account's owner): refusing it would tell anyone who asks
    # whether the address is registered. Usernames stay unique, and public.
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="For password resets only. We never show it to anyone.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    display_name = forms.CharField(
        label="Display name (optional)",
        max_length=60,
        required=False,
        help_text="Shown on your pages and, if you agree, on store leaderboards.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    units = forms.ChoiceField(
        label="Units",
        choices=Units.choices,
        initial=Units.IMPERIAL,
        widget=forms.RadioSelect,
    )
    # Filled in by static/js/timezone.js from the browser; without JavaScript
    # it stays empty and the site's zone is used until the golfer picks one.
    timezone = forms.CharField(
        required=False,
        widget=forms.HiddenInput(attrs={"data-browser-timezone": ""}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "display_name", "units", "timezone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "username"
        ].help_text = (
            "You log in with it. Letters, digits and @ . + - _ only, up to 150 characters."
        )

    def clean_timezone(self) -> str:
        # A browser can report a zone this server's tz database lacks; a wrong
        # zone only shifts displayed times, so it must never block sign-up.
        zone = self.cleaned_data.get("timezone", "").strip()
        if zone in known_timezones():
            return zone
        return settings.TIME_ZONE


class AccountSettingsForm(forms.ModelForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    units = forms.ChoiceField(label="Units", choices=Units.choices, widget=forms.RadioSelect)
    handedness = forms.ChoiceField(
        label="I play", choices=Handedness.choices, widget=forms.RadioSelect
    )
    timezone = TimezoneField(
        label="Time zone",
        help_text="Dates and times on your pages are shown in this zone.",
    )

    class Meta:
        model = User
        fields = ("display_name", "email", "units", "handedness", "timezone")
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "nickname"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(TimezoneField, self.fields["timezone"])
        field.choices = _timezone_choices_for(self.instance.timezone)
