from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import template

from retailers.units import shows_metric_units
from shots.metrics import METRICS, METRICS_BY_NAME, format_value

register = template.Library()

# These tags are the one place a metric value becomes text on a page. A view
# that draws a page for a store (the console, the kiosk) puts ``metric_units``
# in the context; otherwise the viewer's own preference applies
# (retailers/units.py has the rule).


def _metric_units(context: template.Context) -> bool:
    if "metric_units" in context:
        return bool(context["metric_units"])
    return shows_metric_units(viewer=getattr(context.get("request"), "user", None))


@register.simple_tag(takes_context=True)
def metric_value(context: template.Context, metric_name: str, value: float | None) -> str:
    """``{% metric_value "carry" shot.carry %}`` in the viewer's units."""
    return format_value(METRICS_BY_NAME[metric_name], value, metric_units=_metric_units(context))


@register.simple_tag(takes_context=True)
def metric_spread(context: template.Context, metric_name: str, value: float | None) -> str:
    """A spread (standard deviation) in the viewer's units: a size, so never an L or R side."""
    metric = replace(METRICS_BY_NAME[metric_name], signed=False)
    return format_value(metric, value, metric_units=_metric_units(context))


@register.simple_tag(takes_context=True)
def metric_unit(context: template.Context, metric_name: str) -> str:
    return METRICS_BY_NAME[metric_name].unit(metric=_metric_units(context))


@register.simple_tag(takes_context=True)
def shot_headline(context: template.Context, shot: Any) -> str:
    """A one-line summary such as ``Carry 152.0 yd · Ball speed 121.3 mph``."""
    return shot.headline(metric_units=_metric_units(context))


@register.simple_tag
def metric_label(metric_name: str) -> str:
    return METRICS_BY_NAME[metric_name].label


@register.simple_tag(takes_context=True)
def shot_metrics(context: template.Context, shot: Any) -> list[dict[str, Any]]:
    """The shot's measured metrics as rows ready to render, in catalogue order."""
    metric_units = _metric_units(context)
    rows = []
    for metric in METRICS:
        value = getattr(shot, metric.name)
        if value is None:
            continue
        rows.append(
            {
                "name": metric.name,
                "label": metric.label,
                "display": format_value(metric, value, metric_units=metric_units),
                "flags": shot.flags_for(metric.name),
            }
        )
    return rows


@register.simple_tag
def query_string(request: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping: dict, key: str) -> Any:
    return mapping.get(key)
