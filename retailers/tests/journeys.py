"""Browser steps that several journeys share."""

from __future__ import annotations

from typing import Any


def sign_up_from_join_link(page: Any, join_url: str, *, username: str = "newgolfer") -> None:
    """Open a store's join link (what its QR code opens), sign up, and come back to the join page."""
    page.goto(join_url)
    page.get_by_role("link", name="Sign up to join").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email address").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Password confirmation").fill("a long enough passphrase")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(join_url)
