"""Writes for accounts. Views and the API call these."""

from __future__ import annotations

import functools
import zoneinfo

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Handedness, Units, User
from golfshots.cache_scopes import board_versions_bump_on_commit

SETTINGS_FIELDS = frozenset({"display_name", "email", "units", "handedness", "timezone"})


@functools.cache
def known_timezones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk on every call.
    return frozenset(zoneinfo.available_timezones())


def _check_choices(
    *, units: str | None = None, handedness: str | None = None, timezone: str | None = None
) -> None:
    errors: dict[str, str] = {}
    if units is not None and units not in Units.values:
        errors["units"] = f"Unknown units {units!r}."
    if handedness is not None and handedness not in Handedness.values:
        errors["handedness"] = f"Unknown handedness {handedness!r}."
    if timezone is not None and timezone not in known_timezones():
        errors["timezone"] = f"Unknown time zone {timezone!r}."
    if errors:
        raise ValidationError(errors)


def user_sign_up(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str,
    units: str,
    timezone: str,
) -> User:
    """Create a golfer's account with a usable password.

    Raises ValidationError for an unknown choice, a weak password or a
    username that someone took since the form checked it.
    """
    _check_choices(units=units, timezone=timezone)
    user = User(
        username=username,
        email=User.objects.normalize_email(email),
        display_name=display_name,
        units=units,
        timezone=timezone,
    )
    password_validation.validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        # Two sign-ups for one name can both pass the form's check; the unique
        # index decides, and the loser gets the form's usual message.
        raise ValidationError({"username": "A user with that username already exists."}) from error
    return user


def user_update_settings(*, user: User, **fields: str) -> User:
    """Change the golfer's own preferences (the fields in SETTINGS_FIELDS)."""
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise TypeError(f"Not a settings field: {', '.join(sorted(unknown))}.")
    _check_choices(
        units=fields.get("units"),
        handedness=fields.get("handedness"),
        timezone=fields.get("timezone"),
    )
    if "email" in fields:
        fields["email"] = User.objects.normalize_email(fields["email"])
    renamed = "display_name" in fields and fields["display_name"] != user.display_name
    for name, value in fields.items():
        setattr(user, name, value)
    if fields:
        with transaction.atomic():
            user.save(update_fields=sorted(fields))
            if renamed:
                # Boards show the display name where no board name was chosen.
                board_versions_bump_on_commit(
                    retailer_ids=user.store_links.values_list("retailer_id", flat=True)
                )
    return user
