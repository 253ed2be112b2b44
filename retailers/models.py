from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Units


class PlanStatus(models.TextChoices):
    TRIAL = "trial", "Trial"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    CANCELLED = "cancelled", "Cancelled"


# A past-due store keeps full use for this long before it turns read-only.
PAST_DUE_GRACE = timedelta(days=14)


class Retailer(models.Model):
    """A store or simulator studio: the paying customer and the tenant.

    Its staff (``Membership``) reach only its data; its plan decides whether
    it is read-only; its time zone and units are its boards' and console's.
    """

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default=settings.TIME_ZONE)
    units = models.CharField(max_length=8, choices=Units.choices, default=Units.IMPERIAL)
    leaderboard_verified_only = models.BooleanField(
        default=False, help_text="Only staff-verified shots count on this store's boards."
    )
    kiosk_public = models.BooleanField(
        default=False, help_text="The kiosk page can be opened without logging in (for a shop TV)."
    )
    contact_email = models.EmailField(blank=True)
    plan = models.CharField(max_length=40, default="standard")
    plan_status = models.CharField(
        max_length=10, choices=PlanStatus.choices, default=PlanStatus.TRIAL
    )
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The store's clock: its boards' "today", its events and its console dates.

        Falls back to the site's zone for a name this machine's tz database
        does not know (a row written before the field was validated).
        """
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)

    def is_read_only(self, now: datetime | None = None) -> bool:
        """Cancelled, or past due beyond the grace period: data kept, no new writes."""
        now = now or timezone.now()
        if self.plan_status == PlanStatus.CANCELLED:
            return True
        if self.plan_status == PlanStatus.PAST_DUE:
            since = self.past_due_since or now
            return now - since > PAST_DUE_GRACE
        if self.plan_status == PlanStatus.TRIAL and self.trial_ends_at is not None:
            return now > self.trial_ends_at + PAST_DUE_GRACE
        return False


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    STAFF = "staff", "Staff"


class Membership(models.Model):
    """A member of a store's staff. Tenancy: staff reach only their stores' data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    retailer = models.ForeignKey(Retailer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "retailer"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.retailer}"


class CustomerLink(models.Model):
    """A golfer's membership of a store, with their consent choices."""

    golfer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_links"
    )
    retailer = models.ForeignKey(Retailer, on_delete=models.CASCADE, related_name="customer_links")
    joined_at = models.DateTimeField(auto_now_add=True)
    joined_via = models.CharField(max_length=20, default="signup")
    leaderboard_consent = models.BooleanField(
        default=False, help_text="The golfer agreed to appear on this store's leaderboards."
    )
    leaderboard_name = models.CharField(max_length=60, blank=True)
    marketing_consent = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["golfer", "retailer"], name="unique_customer_link")
        ]

    def __str__(self) -> str:
        return f"{self.golfer} at {self.retailer}"


class StaffInvitation(models.Model):
    """An owner's e-mailed invitation to join a store's staff.

    The link carries this row's id, signed and timestamped; the row makes the
    link single-use and records who accepted it.
    """

    retailer = models.ForeignKey(Retailer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.STAFF)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.role}) to {self.retailer}"
