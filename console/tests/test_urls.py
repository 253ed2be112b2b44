"""Every /console/ URL is served by the console app, under the one ``console:`` namespace."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            nested = namespace if entry.namespace is None else entry.namespace
            yield from _patterns(entry, prefix + str(entry.pattern), nested)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def test_every_console_url_resolves_into_the_console_app():
    console_routes = [
        (route, pattern, namespace)
        for route, pattern, namespace in _patterns(get_resolver())
        if route.startswith("console/")
    ]

    assert len(console_routes) > 20
    for route, pattern, namespace in console_routes:
        assert pattern.callback.__module__.startswith("console."), route
        assert namespace == "console", route


def test_every_console_view_goes_through_the_one_door():
    # console_view wraps the view with functools.wraps; the wrapper closes
    # over the membership lookup, so a view without it would have no
    # __wrapped__ chain reaching console.access.
    for route, pattern, _namespace in _patterns(get_resolver()):
        if not route.startswith("console/"):
            continue
        view = pattern.callback
        chain = []
        while view is not None:
            chain.append(view.__code__.co_filename if hasattr(view, "__code__") else "")
            view = getattr(view, "__wrapped__", None)
        assert any(filename.endswith("console/access.py") for filename in chain), route
