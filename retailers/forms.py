"""Forms for joining a store: a golfer's consent choices."""

from __future__ import annotations

from django import forms


class ConsentForm(forms.Form):
    """The golfer's choices for one store. Both consents start unticked: opt in, never out."""

    leaderboard_consent = forms.BooleanField(
        required=False,
        label="Show me on this store's leaderboards",
        help_text="Your best shots hit at this store appear on its boards and kiosk screen, "
        "under the name below. Untick it at any time to drop off at once.",
    )
    leaderboard_name = forms.CharField(
        required=False,
        max_length=60,
        label="Name on the boards",
        help_text="Leave it empty to use your display name.",
    )
    marketing_consent = forms.BooleanField(
        required=False,
        label="E-mail me the store's news and offers",
        help_text="The store sees your e-mail address only if you tick this.",
    )
