"""``{% load zone_tags %}``: say which time zone a page's times are in."""

from __future__ import annotations

import zoneinfo

from django import template

from accounts.timezones import zone_label as label_for_zone

register = template.Library()


@register.filter
def zone_label(zone: zoneinfo.ZoneInfo | str) -> str:
    """``{{ spec.zone|zone_label }}`` → "New York time (EST)"."""
    return label_for_zone(zone)
