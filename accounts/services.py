"""Writes for accounts. Views and the API call these."""

from __future__ import annotations

import functools
import hashlib
import logging
import zoneinfo

from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Handedness, Units, User
from accounts.tasks import email_in_use_notice_send
from golfshots.cache_scopes import board_versions_bump_on_commit

logger = logging.getLogger(__name__)

# One "your address was used" email per address per day is enough to warn its
# owner; more would let anyone flood an inbox through the sign-up form.
EMAIL_IN_USE_NOTICE_EVERY_SECONDS = 24 * 60 * 60

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

    An address another account already has is accepted like any other, and
    that account's owner is emailed about it: the answer must not tell
    anyone whether an address is registered (password reset does not
    either). Addresses are not verified, so this gives a stranger nothing
    that a new address would not.

    Raises ValidationError for an unknown choice, a weak password or a
    username that someone took since the form checked it.
    """
    _check_choices(units=units, timezone=timezone)
    email = User.objects.normalize_email(email)
    user = User(
        username=username,
        email=email,
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
    _notify_others_using(email=email, new_holder=user)
    return user


def _notify_others_using(*, email: str, new_holder: User) -> None:
    """Email the other accounts with this address that ``new_holder`` now has it too."""
    # The same query whether or not anyone has the address, and the email goes
    # through the worker, so the answer takes as long either way.
    if not email or not User.objects.filter(email__iexact=email).exclude(pk=new_holder.pk).exists():
        return
    digest = hashlib.sha256(email.lower().encode()).hexdigest()
    if cache.add(f"accounts:email-in-use:{digest}", 1, EMAIL_IN_USE_NOTICE_EVERY_SECONDS) is False:
        return  # its owner heard about it today (None, the cache down: send)

    def enqueue() -> None:
        try:
            email_in_use_notice_send.delay(new_holder_id=new_holder.pk)
        except Exception:
            # A courtesy, not a record: the sign-up stands without it.
            logger.warning("Could not enqueue the email-in-use notice", exc_info=True)

    transaction.on_commit(enqueue)


def user_revoke_tokens(*, user: User) -> int:
    """End every API session of ``user``: blacklist their refresh tokens that have not expired.

    Returns how many were still usable. Access tokens live minutes and stop
    at once anyway when the password changed (SIMPLE_JWT CHECK_REVOKE_TOKEN).
    """
    usable = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in usable], ignore_conflicts=True
    )
    return len(revoked)


def user_set_password(*, user: User, password: str) -> User:
    """Give ``user`` a new password (changed while logged in, or reset by email link).

    Whoever had the old one may hold API tokens: they stop working here.
    The browser session doing the change is the caller's to keep
    (update_session_auth_hash); every other session ends, as Django does.
    """
    password_validation.validate_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save(update_fields=["password"])
        user_revoke_tokens(user=user)
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
    # Compared with what is stored: a ModelForm has already copied the new
    # values onto ``user`` (its instance) by the time the view calls this.
    stored = User.objects.filter(pk=user.pk).values("display_name", "email").get()
    renamed = "display_name" in fields and fields["display_name"] != stored["display_name"]
    readdressed = "email" in fields and fields["email"].lower() != stored["email"].lower()
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
            if readdressed:
                # As at sign-up: taking an address another account has is not
                # refused (that would say it is registered); its owner hears of it.
                _notify_others_using(email=user.email, new_holder=user)
    return user
