"""REST API for a golfer's own practice sessions (``/api/v1/sessions/``), canonical units."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.requests import api_user
from retailers.models import Retailer
from shots import session_selectors
from shots.models import PracticeSession
from shots.session_selectors import SESSION_METRICS


class PracticeSessionSerializer(serializers.ModelSerializer):
    started_at = serializers.DateTimeField(
        read_only=True, default_timezone=datetime.UTC, help_text="When its first shot was hit."
    )
    ended_at = serializers.DateTimeField(
        read_only=True, default_timezone=datetime.UTC, help_text="When its last shot was hit."
    )
    duration_seconds = serializers.SerializerMethodField(
        help_text="From the first shot to the last, in seconds."
    )
    retailer: serializers.SlugRelatedField[Retailer] = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        help_text="Slug of the store where the session started; null for home practice.",
    )

    class Meta:
        model = PracticeSession
        fields = [
            "id",
            "started_at",
            "ended_at",
            "duration_seconds",
            "shot_count",
            "retailer",
            "kind",
            "import_reference",
        ]
        read_only_fields = fields

    def get_duration_seconds(self, session: PracticeSession) -> int:
        return int(session.duration.total_seconds())


class MetricStatsSerializer(serializers.Serializer):
    shots = serializers.IntegerField(help_text="How many of the club's counted shots measured it.")
    mean = serializers.FloatField(allow_null=True)
    stdev = serializers.FloatField(
        allow_null=True, help_text="Sample standard deviation; null below two shots."
    )
    best = serializers.FloatField(
        allow_null=True, help_text="The highest value, for metrics where higher is better."
    )
    min = serializers.FloatField(source="low", allow_null=True)
    max = serializers.FloatField(source="high", allow_null=True)


class ClubStatsSerializer(serializers.Serializer):
    club = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    shots = serializers.IntegerField(help_text="Counted shots with this club.")
    metrics = serializers.DictField(
        child=MetricStatsSerializer(),
        help_text=f"Per metric, only those measured; of: {', '.join(SESSION_METRICS)}.",
    )


class PracticeSessionDetailSerializer(PracticeSessionSerializer):
    counted_shots = serializers.SerializerMethodField(
        help_text="Shots the statistics are read from (analysed or confirmed, not excluded)."
    )
    clubs = serializers.SerializerMethodField()

    class Meta(PracticeSessionSerializer.Meta):
        fields = [*PracticeSessionSerializer.Meta.fields, "counted_shots", "clubs"]
        read_only_fields = fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stats_by_session: dict[int, session_selectors.SessionStats] = {}

    def _stats(self, session: PracticeSession) -> session_selectors.SessionStats:
        # One query per session: both fields below read the same statistics.
        if session.pk not in self._stats_by_session:
            self._stats_by_session[session.pk] = session_selectors.session_stats(session)
        return self._stats_by_session[session.pk]

    def get_counted_shots(self, session: PracticeSession) -> int:
        return self._stats(session).counted_shots

    @extend_schema_field(ClubStatsSerializer(many=True))
    def get_clubs(self, session: PracticeSession) -> Any:
        return ClubStatsSerializer(self._stats(session).clubs, many=True).data


@extend_schema(tags=["sessions"])
class PracticeSessionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The requesting golfer's practice sessions, newest first; one with its per-club statistics."""

    serializer_class = PracticeSessionSerializer
    filter_backends = []

    def get_queryset(self) -> QuerySet[PracticeSession]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return PracticeSession.objects.none()
        return session_selectors.sessions_for_golfer(api_user(self.request))

    def get_serializer_class(self) -> type[PracticeSessionSerializer]:
        if self.action == "retrieve":
            return PracticeSessionDetailSerializer
        return PracticeSessionSerializer

    @extend_schema(summary="List practice sessions, newest first")
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="A practice session with per-club averages, spread (SD), best and range",
        description="Statistics are read from the session's counted shots, in canonical units.",
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)
