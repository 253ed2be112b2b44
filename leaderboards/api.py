"""Public leaderboards API: ``GET /api/v1/leaderboards/``.

Values are canonical units (see shots/metrics.py); times are UTC. The board
is cached as the JSON-ready answer; only "me" is computed per request.

An anonymous caller (no session, no Authorization header) gets everyone's
answer, so it is served whole from the response cache
(golfshots/response_cache.py) in one Redis round trip, with an ETag, before
DRF runs. Such a hit is not counted by the anonymous throttle: it costs what
the public board page costs, which is never throttled. A miss, which runs
the board's query, is counted.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from golfshots.cache_scopes import boards_version_key
from golfshots.response_cache import PublicPage
from leaderboards.boards import BOARD_CLUBS, BOARD_METRICS, BOARD_PERIODS, BoardSpec, BoardWindow
from leaderboards.cache import cached_board_me, cached_board_output, store_by_slug
from leaderboards.selectors import leaderboard
from leaderboards.views import page_valid_until
from shots.models import RANKABLE_CHOICES

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

ANY_CLUB = "any"
QUERY_NAMES = ("retailer", "club", "metric", "period")


def _choice_errors(noun: str, allowed: tuple[str, ...]) -> dict[str, _StrOrPromise]:
    # A blank value never gets here: for query parameters DRF treats it as omitted.
    listed = ", ".join(allowed)
    return {"invalid_choice": f'"{{input}}" is not a leaderboard {noun}. Allowed: {listed}.'}


class LeaderboardQuerySerializer(serializers.Serializer):
    retailer = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="A store's slug. Omitted: the board across all stores.",
    )
    club = serializers.ChoiceField(
        choices=[ANY_CLUB, *BOARD_CLUBS],
        required=False,
        allow_blank=True,
        error_messages=_choice_errors("club", (ANY_CLUB, *BOARD_CLUBS)),
        help_text="Omitted or 'any': every club.",
    )
    metric = serializers.ChoiceField(
        choices=BOARD_METRICS,
        default="carry",
        error_messages=_choice_errors("metric", BOARD_METRICS),
    )
    period = serializers.ChoiceField(
        choices=BOARD_PERIODS,
        default="week",
        error_messages=_choice_errors("period", BOARD_PERIODS),
        help_text="In the store's timezone (all stores: the site's); weeks start on Monday.",
    )


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    golfer = serializers.CharField(source="name", help_text="The golfer's leaderboard name.")
    value = serializers.FloatField(help_text="The metric's value in canonical units.")
    club = serializers.CharField()
    shot_id = serializers.IntegerField()
    hit_at = serializers.DateTimeField(default_timezone=datetime.UTC)
    trust = serializers.ChoiceField(
        choices=RANKABLE_CHOICES,
        help_text="The shot's trust level: verified by store staff, or measured.",
    )


class LeaderboardSerializer(serializers.Serializer):
    results = LeaderboardRowSerializer(many=True)
    me = LeaderboardRowSerializer(
        allow_null=True, help_text="Your own row, wherever you rank; null if you are not on it."
    )
    generated_at = serializers.DateTimeField(default_timezone=datetime.UTC)


@extend_schema(tags=["leaderboards"])
class LeaderboardView(APIView):
    """Leaderboards are public; "me" is filled in for a logged-in golfer."""

    permission_classes = [AllowAny]
    public_page: PublicPage | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        page = _public_answer(request)
        if page is not None and (cached := page.cached_response()) is not None:
            return cached
        self.public_page = page
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        summary="A leaderboard: each golfer's best counted shot, best first",
        parameters=[LeaderboardQuerySerializer],
        responses={
            200: LeaderboardSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description='{"metric": ["... Allowed: carry, total, ..."]}'
            ),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No store with that slug."),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        query = LeaderboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        retailer = None
        if slug := params.get("retailer"):
            retailer = store_by_slug(slug)
            if retailer is None:
                raise NotFound("No store with that slug.")
        club = params.get("club") or None
        board = BoardSpec(
            retailer=retailer,
            club=None if club == ANY_CLUB else club,
            metric=params["metric"],
            period=params["period"],
        )
        window = board.window(timezone.now())
        if self.public_page is not None:
            self.public_page.depends_on([boards_version_key(retailer.pk if retailer else None)])
        shared = cached_board_output(
            variant="api", board=board, window=window, compute=lambda: _board_answer(board, window)
        )
        me = cached_board_me(board, window, viewer=request.user)
        response = Response(
            {
                "results": shared["results"],
                "me": LeaderboardRowSerializer(me).data if me is not None else None,
                "generated_at": shared["generated_at"],
            }
        )
        if self.public_page is None or me is not None:
            return response
        # Rendered here rather than by the handler, so the cache stores the bytes
        # sent; a JWT caller gets their own "me", so caches must tell them apart.
        response = self.finalize_response(request, response)
        response.render()
        patch_vary_headers(response, ["Authorization"])
        return self.public_page.store(
            response, valid_until=page_valid_until(window.now, board.zone)
        )


def _board_answer(board: BoardSpec, window: BoardWindow) -> dict[str, Any]:
    """The part of the answer every caller shares, as plain JSON-ready data for the cache."""
    computed = leaderboard(board, window)
    return {
        "results": [dict(row) for row in LeaderboardRowSerializer(computed.rows, many=True).data],
        "generated_at": LeaderboardSerializer()
        .fields["generated_at"]
        .to_representation(computed.generated_at),
    }


def _public_answer(request: HttpRequest) -> PublicPage | None:
    """The answer's entry in the response cache, when the caller gets everyone's answer.

    Not for a JWT caller (their "me"), nor for one asking for DRF's browsable
    HTML or another format: the entry is the JSON answer.
    """
    if "HTTP_AUTHORIZATION" in request.META or "format" in request.GET:
        return None
    if "text/html" in request.headers.get("Accept", ""):
        return None
    query = [(name, request.GET[name]) for name in QUERY_NAMES if name in request.GET]
    return PublicPage(request, key=f"api-board:{urlencode(query)}")
