"""Golfer analytics API: ``GET /api/v1/analytics/?days=30`` (or ``?start=&end=``, ``&club=``).

Values are canonical units (see shots/metrics.py), like the rest of the API;
days are the golfer's local days. Cached per golfer and period, and fresh as
soon as one of the golfer's counted shots changes. A range is checked by
``date_range_problem`` (analytics/forms.py), as on the "My game" page.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.requests import api_user
from analytics.cache import cached_golfer_analytics
from analytics.forms import DAYS_VALUES, date_range_problem, requested_period
from analytics.queries import ANALYTICS_CLUBS, Period


class AnalyticsQuerySerializer(serializers.Serializer):
    days = serializers.ChoiceField(
        choices=DAYS_VALUES,
        required=False,
        error_messages={
            "invalid_choice": f'"{{input}}" is not a period. Allowed: {", ".join(DAYS_VALUES)}.'
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
        problem = date_range_problem(start, end)
        if problem is not None:
            raise serializers.ValidationError({problem.at: problem.message})
        if start is not None and "days" in attrs:
            raise serializers.ValidationError("Give either days or start and end, not both.")
        return attrs

    def period(self) -> Period:
        data = self.validated_data
        return requested_period(days=data.get("days"), start=data.get("start"), end=data.get("end"))


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
    # DRF's metaclass takes declared fields off the class, so this does not
    # replace ``Field.label`` at run time; the stubs cannot know that.
    label = serializers.CharField()  # type: ignore[assignment]
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
            golfer=api_user(request), period=query.period(), club=query.validated_data.get("club")
        )
        return Response(analytics.as_dict())
