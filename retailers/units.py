"""The one rule for which units a page shows (numbers are stored in canonical imperial units).

- A page drawn for a store, whoever looks at it (the console, the kiosk, event
  boards and the printed results sheet, CSV exports), shows the store's units:
  call with ``store`` only.
- A page drawn for a person (their shots, bag, My game, the board filters)
  shows that person's preference: call with ``viewer``. A visitor who is not
  logged in sees the units of the page's store, if it has one, else imperial.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import Units, User
from retailers.models import Retailer


def shows_metric_units(
    *, viewer: User | AnonymousUser | None = None, store: Retailer | None = None
) -> bool:
    if viewer is not None and viewer.is_authenticated:
        return viewer.uses_metric
    return store is not None and store.units == Units.METRIC
