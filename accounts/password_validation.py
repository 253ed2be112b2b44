"""A password validator for words that are weak here in particular.

Django's CommonPasswordValidator knows the world's common passwords; this one,
configured beside it in AUTH_PASSWORD_VALIDATORS, knows ours
(accounts/site_passwords.txt): the site's name and the demo password, which
the README publishes. demo/seed.py sets that password with set_password(),
which runs no validator, so the demo accounts keep it.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

SITE_PASSWORDS = Path(__file__).resolve().parent / "site_passwords.txt"

# Digits people type for letters: "g0lfsh0ts", "b1rd1e", "$kytrak" ("1" is "i" or "l").
_LOOK_ALIKES = (str.maketrans("013457$@!", "oieastsai"), str.maketrans("1", "l"))


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text)


def _guessable_forms(password: str) -> set[str]:
    """The password, and what is left of it without the usual decoration."""
    plain = password.lower().strip()
    # Digits and signs at either end ("golfshots2025!") are decoration; inside
    # the word they are letters in disguise.
    core = re.sub(r"^[^a-z]+|[^a-z]+$", "", plain)
    forms = {plain, _letters(plain)}
    forms.update(_letters(core.translate(table)) for table in _LOOK_ALIKES)
    return forms


class SitePasswordValidator(CommonPasswordValidator):
    def __init__(self, password_list_path: Path | str = SITE_PASSWORDS) -> None:
        super().__init__(password_list_path)

    def validate(self, password: str, user: object = None) -> None:
        if _guessable_forms(password) & self.passwords:
            raise ValidationError(self.get_error_message(), code="password_site_word")

    def get_error_message(self) -> str:
        return (
            "This password is too easy to guess here: it is golfshots' name, the demo "
            "password or a golf word. Choose another."
        )

    def get_help_text(self) -> str:
        return "Your password can’t be golfshots’ name, the demo password or a golf word."
