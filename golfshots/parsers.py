"""The API's JSON parser: DRF's, refusing bodies no endpoint could mean.

``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` names it; a view that lists its
own parsers names ``golfshots.parsers.JSONParser`` instead of DRF's.

- Nesting: Python's json module recurses once per level, so 1,000 ``[`` in a
  2 KB anonymous body raised RecursionError, a 500. No endpoint takes more
  than a few levels; deeper is a 400 (ParseError) before any view runs.
- NUL: PostgreSQL refuses NUL in text, and a string that reached a query
  unchecked (a store's slug, say) failed there. No field means one, so a
  NUL anywhere in the body, in a key or a value, is a 400 too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32
TOO_DEEP_MESSAGE = f"JSON parse error - nested deeper than {MAX_DEPTH} levels."
NUL_MESSAGE = r"JSON parse error - a string contains a NUL character (\u0000)."


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP_MESSAGE) from None
        check_parsed(data)
        return data


def check_parsed(data: Any) -> None:
    """Raise ParseError for nesting deeper than ``MAX_DEPTH`` or a NUL in any string.

    A loop over a stack, not recursion: it must not fail the way the parser did.
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError(NUL_MESSAGE)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise ParseError(TOO_DEEP_MESSAGE)
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        else:
            stack.extend((item, depth + 1) for item in value)
