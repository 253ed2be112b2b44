"""Golfer analytics API: ``GET /api/v1/analytics/?days=30`` (or ``?start=&end=``, ``&club=``).

Values are canonical units (see shots/metrics.py), like the rest of the API;
days are the golfer's local days. Cached per golfer and period, and fresh as
soon as one of the golfer's counted shots changes.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shots.analytics import (
    PERIOD_DAYS,
    Period,
    cached_golfer_analytics,
    period_between,
    period_last_days,
)
from shots.models import Club

ALL_TIME = "all"
ANALYTICS_CLUBS: tuple[str, ...] = tuple(club for club in Club.values if club != Club.PUTTER)
# A longer explicit range is almost certainly a typo in a year.
MAX_RANGE_DAYS = 20 * 366


def _period_choices() -> list[str]:
    return [*(str(days) for days in PERIOD_DAYS), ALL_TIME]


class AnalyticsQuerySerializer(serializers.Serializer):
    days = serializers.ChoiceField(
        choices=_period_choices(),
        required=False,
        error_messages={
            "invalid_choice": (
                f'"{{input}}" is not a period. Allowed: {", ".join(_period_choices())}.'
            )
        },
        help_text="The last N local days up to today, or 'all'. Default 30.",
    )
    start = serializers.DateField(required=False, help_text="First day of a range (YYYY-MM-DD).")
    end = serializers.DateField(required=False, help_text="Last day of a range, included.")
    club = serializers.ChoiceField(
        choices=ANALYTICS_CLUBS,
        required=False,
        error_messages={"invalid_choice": '"{input}" is not a club with analytics.'},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if (start is None) != (end is None):
            raise serializers.ValidationError("Give both start and end, or neither.")
        if start is not None and "days" in attrs:
            raise serializers.ValidationError("Give either days or start and end, not both.")
        if start is not None and end < start:
            raise serializers.ValidationError({"end": "The period ends before it starts."})
        if start is not None and (end - start).days > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"start": "That range is longer than 20 years."})
        return attrs

    def period(self) -> Period:
        data = self.validated_data
        tz = timezone.get_current_timezone()
        if data.get("start") is not None:
            return period_between(data["start"], data["end"], tz=tz)
        days = data.get("days", "30")
        return period_last_days(None if days == ALL_TIME else int(days), tz=tz)


class MetricSummarySerializer(serializers.Serializer):
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    stdev = serializers.FloatField(allow_null=True, help_text="Sample standard deviation.")
    max = serializers.FloatField(allow_null=True)


class CarrySummarySerializer(MetricSummarySerializer):
    stock = serializers.FloatField(
        allow_null=True, help_text="Mean carry without the shortest quarter of shots."
    )
    p25 = serializers.FloatField(allow_null=True)
    p75 = serializers.FloatField(allow_null=True)


class DispersionSerializer(serializers.Serializer):
    carry_mean = serializers.FloatField(allow_null=True)
    side_mean = serializers.FloatField(allow_null=True, help_text="Negative = left.")
    carry_stdev = serializers.FloatField(allow_null=True)
    side_stdev = serializers.FloatField(allow_null=True)
    box = serializers.DictField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="The 2-σ box: carry_low, carry_high, side_low, side_high.",
    )


class TrendPointSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday the week starts on.")
    carry = serializers.FloatField(allow_null=True, help_text="Median carry that week.")
    ball_speed = serializers.FloatField(allow_null=True, help_text="Median ball speed.")


class ClubAnalyticsSerializer(serializers.Serializer):
    club = serializers.CharField()
    label = serializers.CharField()
    shots = serializers.IntegerField()
    carry = CarrySummarySerializer()
    total = MetricSummarySerializer()
    ball_speed = MetricSummarySerializer()
    club_speed = MetricSummarySerializer()
    smash_factor = MetricSummarySerializer()
    launch_angle = MetricSummarySerializer()
    spin_rate = MetricSummarySerializer()
    dispersion = DispersionSerializer()
    trend = TrendPointSerializer(many=True)


class GapSerializer(serializers.Serializer):
    club = serializers.CharField()
    next_club = serializers.CharField()
    gap = serializers.FloatField(help_text="Stock carry difference, yards.")
    too_small = serializers.BooleanField()
    too_large = serializers.BooleanField()
    overlaps = serializers.BooleanField()


class PeriodSerializer(serializers.Serializer):
    days = serializers.IntegerField(allow_null=True)
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True, help_text="Exclusive.")


class AnalyticsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    clubs = ClubAnalyticsSerializer(many=True)
    gaps = GapSerializer(many=True)


class AnalyticsView(APIView):
    @extend_schema(
        parameters=[AnalyticsQuerySerializer],
        responses={
            200: AnalyticsSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="A bad parameter."),
        },
        summary="Your analytics per club over a period",
    )
    def get(self, request: Request) -> Response:
        query = AnalyticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        analytics = cached_golfer_analytics(
            golfer=request.user, period=query.period(), club=query.validated_data.get("club")
        )
        return Response(analytics.as_dict())
