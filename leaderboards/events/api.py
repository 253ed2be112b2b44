"""Store events in the REST API: ``/api/v1/events/``.

Listing and reading events (with their boards) is public, like the store's
events page; entering needs an account. Values are in canonical units.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.requests import api_user
from leaderboards.events import selectors as events
from leaderboards.events import services
from leaderboards.models import Event, EventEntry, EventState
from retailers.models import Retailer
from shots.models import RANKABLE_CHOICES


class EventSerializer(serializers.ModelSerializer):
    retailer: serializers.SlugRelatedField[Retailer] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    retailer_name = serializers.CharField(source="retailer.name", read_only=True)
    club = serializers.CharField(
        read_only=True, help_text="The club that counts; empty = any club."
    )
    starts_at = serializers.DateTimeField(read_only=True, default_timezone=datetime.UTC)
    ends_at = serializers.DateTimeField(
        read_only=True,
        default_timezone=datetime.UTC,
        help_text="Shots hit at this moment or later do not count.",
    )
    state = serializers.SerializerMethodField()
    attempts = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="For attempt_rule first_n: how many of each golfer's first qualifying shots count.",
    )
    divisions = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Division names; entering requires one of them when the list is not empty.",
    )
    entrant_count = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField(help_text="The event's page for golfers.")

    class Meta:
        model = Event
        fields = [
            "id",
            "retailer",
            "retailer_name",
            "name",
            "metric",
            "club",
            "starts_at",
            "ends_at",
            "state",
            "attempt_rule",
            "attempts",
            "divisions",
            "verified_only",
            "entrant_count",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=EventState.choices))
    def get_state(self, event: Event) -> str:
        return event.state(self.context.get("now"))

    def get_url(self, event: Event) -> str:
        url = reverse("events:detail", args=[event.retailer.slug, event.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class EventBoardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    golfer = serializers.CharField(source="golfer_name", help_text="The golfer's board name.")
    value = serializers.FloatField(help_text="The metric in canonical units.")
    club = serializers.CharField()
    shot_id = serializers.IntegerField()
    hit_at = serializers.DateTimeField(default_timezone=datetime.UTC)
    division = serializers.CharField(help_text="The golfer's division; empty without divisions.")
    trust = serializers.ChoiceField(
        choices=RANKABLE_CHOICES,
        help_text="The shot's trust level: verified by store staff, or measured.",
    )


class EventBoardSerializer(serializers.Serializer):
    division = serializers.CharField(help_text="Empty for the overall board.")
    results = EventBoardRowSerializer(many=True, source="rows")


class EventEntrySerializer(serializers.ModelSerializer):
    event = serializers.IntegerField(source="event_id", read_only=True)
    entered_at = serializers.DateTimeField(read_only=True, default_timezone=datetime.UTC)

    class Meta:
        model = EventEntry
        fields = ["event", "division", "entered_at"]
        read_only_fields = fields


class EventDetailSerializer(EventSerializer):
    rules = serializers.ListField(
        child=serializers.CharField(), source="rules_in_words", read_only=True
    )
    boards = serializers.SerializerMethodField(
        help_text="The overall board first, then one per division."
    )
    entry = serializers.SerializerMethodField(help_text="The requesting golfer's entry, or null.")

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "rules", "boards", "entry"]
        read_only_fields = fields

    @extend_schema_field(EventBoardSerializer(many=True))
    def get_boards(self, event: Event) -> list[dict[str, Any]]:
        boards = EventBoardSerializer(events.cached_event_boards(event), many=True).data
        return [dict(board) for board in boards]

    @extend_schema_field(EventEntrySerializer(allow_null=True))
    def get_entry(self, event: Event) -> dict[str, Any] | None:
        request = self.context.get("request")
        entry = events.entry_for(event, request.user) if request is not None else None
        return EventEntrySerializer(entry).data if entry is not None else None


class EventListQuerySerializer(serializers.Serializer):
    retailer = serializers.SlugField(required=False, help_text="Only this store's events.")
    state = serializers.ChoiceField(choices=EventState.choices, required=False)

    def validate_retailer(self, slug: str) -> Retailer:
        store = Retailer.objects.filter(slug=slug).first()
        if store is None:
            raise serializers.ValidationError(f'Unknown store "{slug}".')
        return store


class EnterSerializer(serializers.Serializer):
    division = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Required when the event has divisions: one of its names.",
    )


@extend_schema(tags=["events"])
class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Store competitions: public to read, open to any golfer with an account to enter."""

    permission_classes = [AllowAny]
    filter_backends = []

    def get_queryset(self) -> QuerySet[Event]:
        return (
            Event.objects.select_related("retailer")
            .annotate(entrant_count=Count("entries"))
            .order_by("-starts_at", "-id")
        )

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "retrieve":
            return EventDetailSerializer
        if self.action == "enter":
            return EnterSerializer
        return EventSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        # One clock for every event in an answer, so their states agree.
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        summary="List events",
        parameters=[
            OpenApiParameter(
                name="retailer",
                type=str,
                required=False,
                description="Only this store's events (its slug).",
            ),
            OpenApiParameter(
                name="state",
                type=str,
                enum=EventState.values,
                required=False,
                description="Only upcoming, active or finished events.",
            ),
        ],
        responses={
            200: EventSerializer(many=True),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description='{"retailer": ["message"]}'),
        },
    )
    def list(self, request: Request) -> Response:
        query = EventListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = self.get_queryset()
        if store := query.validated_data.get("retailer"):
            found = found.filter(retailer=store)
        if state := query.validated_data.get("state"):
            found = events.in_state(found, state, now=timezone.now())
        page = self.paginate_queryset(found)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(summary="An event with its rules and boards")
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return super().retrieve(request, pk=pk)

    @extend_schema(
        summary="Enter an event",
        description="Entering again returns the existing entry unchanged (200). Shots hit in "
        "the event's window before entering count too.",
        request=EnterSerializer,
        responses={
            201: EventEntrySerializer,
            200: OpenApiResponse(EventEntrySerializer, description="Already entered."),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='{"division": ["message"], "allowed_divisions": ["Juniors", ...]}',
            ),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="The event has finished."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def enter(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_object()
        body = EnterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            entry, created = services.event_enter(
                event=event,
                golfer=api_user(request),
                division=body.validated_data.get("division", ""),
            )
        except services.EventClosed as closed:
            return Response({"detail": str(closed)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as problem:
            return Response(
                {**problem.message_dict, "allowed_divisions": event.divisions},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            EventEntrySerializer(entry).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
