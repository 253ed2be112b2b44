"""Writes for stores: golfers joining, their consent, staff invitations and plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from golfshots.cache_scopes import board_versions_bump_on_commit
from retailers.models import (
    CustomerLink,
    Membership,
    PlanStatus,
    Retailer,
    Role,
    StaffInvitation,
)
from retailers.selectors import staff_stores_forget

INVITATION_SALT = "retailers.staff-invitation"
TRIAL_EXTENSION = timedelta(days=14)


class JoinedVia:
    LINK = "link"
    QR = "qr"
    SIGNUP = "signup"


def invitation_max_age() -> timedelta:
    # Not in settings.py yet; a deployment may set it there.
    return timedelta(days=settings.STAFF_INVITE_MAX_AGE_DAYS)


# --- Golfers and their consent ------------------------------------------------


def customer_join(
    *,
    golfer: User,
    retailer: Retailer,
    joined_via: str,
    leaderboard_consent: bool,
    leaderboard_name: str,
    marketing_consent: bool,
) -> CustomerLink:
    """Link the golfer to the store with these choices; joining again updates them."""
    with transaction.atomic():
        link, created = CustomerLink.objects.select_for_update().get_or_create(
            golfer=golfer,
            retailer=retailer,
            defaults={
                "joined_via": joined_via,
                "leaderboard_consent": leaderboard_consent,
                "leaderboard_name": leaderboard_name.strip(),
                "marketing_consent": marketing_consent,
            },
        )
        if created:
            if link.leaderboard_consent:
                board_versions_bump_on_commit(retailer_ids=[retailer.pk])
            return link
        return customer_consent_update(
            link=link,
            leaderboard_consent=leaderboard_consent,
            leaderboard_name=leaderboard_name,
            marketing_consent=marketing_consent,
        )


def customer_consent_update(
    *,
    link: CustomerLink,
    leaderboard_consent: bool,
    leaderboard_name: str,
    marketing_consent: bool,
) -> CustomerLink:
    """Change the golfer's choices; the store's boards follow on the next request."""
    leaderboard_name = leaderboard_name.strip()
    board_changed = link.leaderboard_consent != leaderboard_consent or (
        leaderboard_consent and link.leaderboard_name != leaderboard_name
    )
    link.leaderboard_consent = leaderboard_consent
    link.leaderboard_name = leaderboard_name
    link.marketing_consent = marketing_consent
    link.save(update_fields=["leaderboard_consent", "leaderboard_name", "marketing_consent"])
    if board_changed:
        board_versions_bump_on_commit(retailer_ids=[link.retailer_id])
    return link


def customer_leave(*, link: CustomerLink) -> None:
    """The golfer leaves the store; their shots stay theirs, off the store's boards."""
    was_on_boards = link.leaderboard_consent
    retailer_id = link.retailer_id
    link.delete()
    if was_on_boards:
        board_versions_bump_on_commit(retailer_ids=[retailer_id])


# --- Staff ------------------------------------------------------------------


class InvitationError(ValidationError):
    """An invitation link that cannot be used, with a message for the person holding it."""


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: StaffInvitation
    token: str


def staff_invite(
    *, retailer: Retailer, email: str, role: str, invited_by: User
) -> IssuedInvitation:
    """Record an invitation and sign a token for its link (the caller e-mails it)."""
    email = email.strip()
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    if not Membership.objects.filter(user=invited_by, retailer=retailer, role=Role.OWNER).exists():
        raise PermissionDenied("Only the store's owners invite staff.")
    if Membership.objects.filter(retailer=retailer, user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already on this store's staff.")
    invitation = StaffInvitation.objects.create(
        retailer=retailer, email=email, role=role, invited_by=invited_by
    )
    token = signing.dumps({"invitation": invitation.pk}, salt=INVITATION_SALT)
    return IssuedInvitation(invitation=invitation, token=token)


def invitation_email_send(*, invitation: StaffInvitation, accept_url: str) -> None:
    inviter = invitation.invited_by.public_name if invitation.invited_by else "The owner"
    days = invitation_max_age().days
    send_mail(
        subject=f"Join {invitation.retailer.name} on golfshots",
        message=(
            f"{inviter} invited you to join {invitation.retailer.name} on golfshots as "
            f"{invitation.get_role_display().lower()}.\n\n"
            f"Accept the invitation here (the link works once, for {days} days):\n"
            f"{accept_url}\n\n"
            f"Log in or sign up with this e-mail address ({invitation.email}) first.\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_for_token(*, token: str) -> StaffInvitation:
    """The invitation a link names, if the link is genuine and not expired."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=invitation_max_age())
    except signing.SignatureExpired as error:
        raise InvitationError(
            "This invitation has expired. Ask the store's owner to send a new one.",
            code="expired",
        ) from error
    except signing.BadSignature as error:
        raise InvitationError("This invitation link is not valid.", code="invalid") from error
    invitation = (
        StaffInvitation.objects.select_related("retailer", "invited_by")
        .filter(pk=payload.get("invitation"))
        .first()
    )
    if invitation is None:
        raise InvitationError("This invitation was withdrawn.", code="withdrawn")
    return invitation


def invitation_refusal(*, invitation: StaffInvitation, user: User) -> InvitationError | None:
    """Why this user may not accept this (genuine, unexpired) invitation, if they may not."""
    if invitation.accepted_at is not None:
        return InvitationError("This invitation has already been used.", code="used")
    if invitation.email.casefold() != (user.email or "").casefold():
        return InvitationError(
            f"This invitation was sent to {invitation.email}. Log in with that "
            "account's e-mail address to accept it.",
            code="wrong_user",
        )
    return None


def invitation_accept(*, token: str, user: User) -> Membership:
    """Make the user staff of the invitation's store; each link works once."""
    invitation = invitation_for_token(token=token)
    with transaction.atomic():
        invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        refusal = invitation_refusal(invitation=invitation, user=user)
        if refusal is not None:
            raise refusal
        # Someone already on the staff keeps their role: an invitation never demotes.
        membership, _ = Membership.objects.get_or_create(
            user=user, retailer_id=invitation.retailer_id, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        staff_stores_forget(user_id=user.pk)
    return membership


def invitation_withdraw(*, invitation: StaffInvitation) -> None:
    invitation.delete()


def staff_remove(*, membership: Membership, by: User) -> None:
    """An owner removes someone from the store's staff; a store always keeps an owner."""
    with transaction.atomic():
        # Locking the store's memberships serialises two owners removing each other.
        members = list(
            Membership.objects.select_for_update().filter(retailer_id=membership.retailer_id)
        )
        if not any(each.user_id == by.pk and each.role == Role.OWNER for each in members):
            raise PermissionDenied("Only the store's owners remove staff.")
        owners = [each for each in members if each.role == Role.OWNER]
        if membership.role == Role.OWNER and len(owners) <= 1:
            raise ValidationError(
                "A store needs an owner: make someone else an owner before removing the last one."
            )
        membership.delete()
        staff_stores_forget(user_id=membership.user_id)


# --- Plans (platform staff, from the admin) -----------------------------------


def retailer_trial_extend(
    *, retailer: Retailer, by: timedelta = TRIAL_EXTENSION, now: datetime | None = None
) -> Retailer:
    """Give a store on trial more time, counted from today if the trial already ended."""
    now = now or timezone.now()
    if retailer.plan_status != PlanStatus.TRIAL:
        raise ValidationError(f"{retailer} is not on trial ({retailer.get_plan_status_display()}).")
    start = max(retailer.trial_ends_at or now, now)
    retailer.trial_ends_at = start + by
    retailer.save(update_fields=["trial_ends_at"])
    return retailer


def retailer_plan_change(
    *,
    retailer: Retailer,
    plan_status: str,
    plan: str | None = None,
    now: datetime | None = None,
) -> Retailer:
    """Set the store's plan status; past due starts its grace period now."""
    if plan_status not in PlanStatus.values:
        raise ValidationError(f"Unknown plan status {plan_status!r}.")
    now = now or timezone.now()
    if plan_status == PlanStatus.PAST_DUE:
        if retailer.plan_status != PlanStatus.PAST_DUE or retailer.past_due_since is None:
            retailer.past_due_since = now
    else:
        retailer.past_due_since = None
    retailer.plan_status = plan_status
    if plan:
        retailer.plan = plan
    retailer.save(update_fields=["plan_status", "past_due_since", "plan"])
    return retailer


# What a board shows or who may see it: changing one of these refreshes the boards.
BOARD_SETTINGS = ("name", "timezone", "leaderboard_verified_only", "kiosk_public")
STORE_SETTINGS = (
    "name",
    "timezone",
    "units",
    "contact_email",
    "leaderboard_verified_only",
    "kiosk_public",
)


def retailer_settings_update(*, retailer: Retailer, **changes: object) -> Retailer:
    """Save an owner's changed store settings (pass only what changed); boards follow at once."""
    unknown = set(changes) - set(STORE_SETTINGS)
    if unknown:
        raise TypeError(f"Not a store setting: {', '.join(sorted(unknown))}.")
    changed = sorted(changes)
    for name in changed:
        setattr(retailer, name, changes[name])
    if changed:
        with transaction.atomic():
            retailer.save(update_fields=changed)
            if any(name in BOARD_SETTINGS for name in changed):
                board_versions_bump_on_commit(retailer_ids=[retailer.pk])
    return retailer
