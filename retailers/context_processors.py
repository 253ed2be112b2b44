"""What every page's header needs to know about the person: the stores they work at."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from retailers.selectors import staff_stores_for


def staff_stores(request: HttpRequest) -> dict[str, object]:
    """``staff_stores``: the viewer's stores as staff, looked up only if a template asks."""
    return {"staff_stores": SimpleLazyObject(lambda: staff_stores_for(request.user))}
