"""Strict readers for environment variables.

Settings read the environment only through these helpers, so a typo such as
``DEBUG=flase`` stops the process at start-up with a message naming the
variable instead of silently falling back to a default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from ipaddress import IPv4Network, IPv6Network, ip_network
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class Env:
    """Typed access to a mapping of variables (``os.environ`` by default)."""

    def __init__(self, source: Mapping[str, str] | None = None) -> None:
        self.source = os.environ if source is None else source

    def _raw(self, name: str) -> str | None:
        value = self.source.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def is_set(self, name: str) -> bool:
        return self._raw(name) is not None

    def string(self, name: str, default: str = "") -> str:
        value = self._raw(name)
        return default if value is None else value

    def boolean(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean; use one of "
            f"{', '.join(sorted(TRUE_WORDS | FALSE_WORDS))}."
        )

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self._raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
        return number

    def float(self, name: str, default: float, *, minimum: float | None = None) -> float:
        value = self._raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
        return number

    def decimal(self, name: str, default: str, *, minimum: Decimal | None = None) -> Decimal:
        text = self._raw(name) or default
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ImproperlyConfigured(f"{name}={text!r} is not a number.") from None
        if not number.is_finite():
            raise ImproperlyConfigured(f"{name}={text!r} must be a finite number.")
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
        return number

    def string_list(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self._raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def networks(self, name: str) -> list[IPv4Network | IPv6Network]:
        """Comma-separated addresses or CIDR ranges (``10.0.0.0/8, ::1``)."""
        networks: list[IPv4Network | IPv6Network] = []
        for item in self.string_list(name):
            try:
                networks.append(ip_network(item, strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"{name} has {item!r}, which is not an IP address or a range like 10.0.0.0/8."
                ) from None
        return networks

    def url(self, name: str, *, schemes: set[str], default: str = "") -> str:
        value = self._raw(name)
        if value is None:
            return default
        parts = urlsplit(value)
        if parts.scheme not in schemes:
            raise ImproperlyConfigured(
                f"{name} must be a URL starting with one of "
                f"{', '.join(sorted(s + '://' for s in schemes))}; got {parts.scheme or 'no scheme'!r}."
            )
        if not parts.hostname and parts.scheme not in {"sqlite"}:
            raise ImproperlyConfigured(f"{name} has no host name.")
        return value

    def choice(self, name: str, *, choices: set[str], default: str) -> str:
        value = self._raw(name)
        if value is None:
            return default
        if value not in choices:
            raise ImproperlyConfigured(
                f"{name}={value!r} is not allowed; use one of {', '.join(sorted(choices))}."
            )
        return value
