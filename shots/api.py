"""REST API for a golfer's own shots and personal bests (``/api/v1/``).

Values in and out are always canonical units (mph, yd, ft, rpm, deg, s),
whatever the golfer's display preference: clients convert, we never guess.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.requests import api_user
from golfshots.parsers import JSONParser
from retailers.models import Retailer
from shots import services
from shots.filters import ShotFilter
from shots.images import (
    EMPTY_MESSAGE,
    ImageRejected,
    ShrunkImage,
    check_request_size,
    shrink_upload,
)
from shots.metrics import METRIC_NAMES, METRICS, RECORD_METRICS, Metric
from shots.models import (
    CLIENT_TOKEN_MAX_LENGTH,
    CLUB_ORDER,
    Club,
    PersonalBest,
    PracticeSession,
    Shot,
    ShotSource,
    ShotStatus,
    ShotTrust,
)
from shots.photos import photo_response
from shots.services.pipeline import RETRY_LATER_MESSAGE, UNREADABLE_MESSAGE
from shots.validation import hard_range_message, hit_at_problem

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

IDEMPOTENCY_KEY_MAX_LENGTH = CLIENT_TOKEN_MAX_LENGTH
UNREADABLE_API_MESSAGE = (
    f"{UNREADABLE_MESSAGE} PATCH this shot with its club and numbers to keep the photo with "
    "them, or DELETE it; left as it is, it is removed after a day."
)
CLUB_ERROR_MESSAGES: dict[str, str | StrPromise] = {
    "invalid_choice": f'"{{input}}" is not a club. Use one of: {", ".join(Club.values)}.',
    "required": f"Say which club hit the shot: one of {', '.join(Club.values)}.",
}


class MetricField(serializers.FloatField):
    """One launch-monitor number in canonical units, checked against its hard range."""

    def __init__(self, metric: Metric, **kwargs: Any) -> None:
        low, high = metric.hard
        out_of_range = hard_range_message(metric.name)
        unit = metric.unit(metric=False)
        if unit == "°":
            unit = "deg"  # the schema's readers think in ASCII unit names
        super().__init__(
            min_value=low,
            max_value=high,
            required=False,
            allow_null=True,
            help_text=f"{metric.label}{f' ({unit})' if unit else ''}. Null when not measured.",
            error_messages={
                "min_value": out_of_range,
                "max_value": out_of_range,
                "invalid": f"{metric.label} must be a number.",
            },
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> float:
        # float(True) is 1.0; a boolean is a client bug, not a measurement.
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class ClubField(serializers.ChoiceField):
    """A club: one of ``Club``, written as such; read as null while it is unknown.

    A photo whose club was not read (yet) stores ``""``; answering ``""`` would
    break the enum the schema promises, so it reads as null (ClubFieldSchema).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", CLUB_ERROR_MESSAGES)
        super().__init__(choices=Club.choices, **kwargs)

    def to_representation(self, value: Any) -> Any:
        if value in ("", None):
            return None
        return super().to_representation(value)


class ClubFieldSchema(OpenApiSerializerFieldExtension):
    """Nullable in answers only: a request still names a club (or leaves the field out)."""

    target_class = ClubField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "response":
            # None in the enum: drf-spectacular's enum hook makes it ClubEnum or NullEnum.
            schema = {**schema, "enum": [*schema["enum"], None]}
        return schema


@extend_schema_field(OpenApiTypes.STR)
class GolferStoreField(serializers.SlugRelatedField):
    """A store by slug, limited to the stores the requesting golfer has joined.

    Any other store would let a golfer put shots into a store's console and
    leaderboards without being its customer.
    """

    default_error_messages = {
        "does_not_exist": 'Unknown store "{value}": use the slug of a store you have joined.',
        "invalid": "Give the store's slug as a string.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", **kwargs)

    def get_queryset(self) -> QuerySet[Retailer]:
        request = self.context.get("request")
        golfer = getattr(request, "user", None)
        if golfer is None or not golfer.is_authenticated:
            return Retailer.objects.none()
        return Retailer.objects.filter(customer_links__golfer=golfer)


class ShotSerializer(serializers.ModelSerializer):
    club = ClubField()
    hit_at = serializers.DateTimeField(
        required=False,
        default_timezone=datetime.UTC,
        help_text="When the shot was hit (ISO 8601; read as UTC without an offset). "
        "Defaults to now; may not be in the future (a few minutes' clock drift is "
        "allowed) nor before 2000.",
    )
    retailer: serializers.SlugRelatedField[Retailer] = GolferStoreField(
        required=False,
        allow_null=True,
        help_text="Slug of the store where the shot was hit; null for home practice.",
    )
    metric_flags = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text='Per metric, how it was obtained or checked, e.g. {"smash_factor": ["derived"]}.',
    )
    is_counted = serializers.BooleanField(
        read_only=True,
        help_text="Whether the shot feeds personal bests and analytics (boards also need a "
        "trust level that ranks).",
    )
    trust = serializers.ChoiceField(
        choices=ShotTrust.choices,
        read_only=True,
        help_text="measured (read from a photo or imported from a launch monitor), typed "
        "(entered by hand: never ranks at a store until verified), verified (checked by "
        "store staff) or excluded.",
    )
    image = serializers.SerializerMethodField(
        help_text="Absolute URL of the photo (GET it with the same credentials as this API: "
        "its owner only), or null."
    )
    status_message = serializers.SerializerMethodField(
        help_text='What the status means for the golfer, when it needs them: with "unreadable", '
        "that the photo shows no launch-monitor numbers (PATCH the club and numbers to keep "
        "the photo with them, or DELETE it; untouched it is removed after a day); with "
        '"retry_later", that reading it failed for now and will be tried again. Else null.'
    )
    session: serializers.PrimaryKeyRelatedField[PracticeSession] = (
        serializers.PrimaryKeyRelatedField(
            read_only=True,
            allow_null=True,
            help_text="Id of the practice session the shot belongs to (/api/v1/sessions/{id}/), "
            "or null.",
        )
    )

    class Meta:
        model = Shot
        fields = [
            "id",
            "club",
            "status",
            "source",
            "hit_at",
            "retailer",
            *METRIC_NAMES,
            "metric_flags",
            "is_counted",
            "trust",
            "image",
            "session",
            "status_message",
        ]
        read_only_fields = ["id", "status", "source", "trust"]

    def get_image(self, shot: Shot) -> str | None:
        if not shot.image:
            return None
        # The API's own photo URL: a JWT client can fetch it (the HTML page's
        # photo URL knows only the session cookie and sends others to the log-in page).
        url = reverse("api-shot-image", args=[shot.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_status_message(self, shot: Shot) -> str | None:
        if shot.status == ShotStatus.UNREADABLE:
            return UNREADABLE_API_MESSAGE
        if shot.status == ShotStatus.RETRY_LATER:
            return RETRY_LATER_MESSAGE
        return None

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for metric in METRICS:
            fields[metric.name] = MetricField(metric)
        return fields

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # DRF drops fields it does not know; a typo such as "cary" would then
        # store a shot without its carry, so every unexpected key is an error.
        errors = self._unexpected_field_errors(data)
        try:
            values = super().to_internal_value(data)
        except ValidationError as exc:
            # A serializer's errors are always by field name, never a bare list.
            errors = {**cast("dict[str, list[str]]", exc.detail), **errors}
        if errors:
            raise ValidationError(errors)
        return values

    def validate_hit_at(self, value: datetime.datetime) -> datetime.datetime:
        # The window every way in checks (shots.validation), clock drift included.
        problem = hit_at_problem(value)
        if problem is not None:
            raise ValidationError(problem)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Gather the metrics into ``attrs["metrics"]``, merged onto the shot being corrected."""
        metrics = self.instance.metric_values() if self.instance is not None else {}
        had_metrics = any(value is not None for value in metrics.values())
        metrics.update({name: attrs.pop(name) for name in METRIC_NAMES if name in attrs})
        if self.instance is not None and not attrs.get("club", self.instance.club):
            # A photo whose club was not read (or that showed no numbers at all).
            raise ValidationError({"club": [CLUB_ERROR_MESSAGES["required"]]})
        if all(value is None for value in metrics.values()):
            if self.instance is None or not had_metrics:
                raise ValidationError("Enter at least one metric, such as carry or ball_speed.")
            raise ValidationError(
                "A shot needs at least one metric; this change would clear them all."
            )
        attrs["metrics"] = metrics
        return attrs

    def _unexpected_field_errors(self, data: Any) -> dict[str, list[str]]:
        if not isinstance(data, Mapping):
            return {}
        writable = [name for name, field in self.fields.items() if not field.read_only]
        errors: dict[str, list[str]] = {}
        for name in data:
            if name in writable:
                continue
            if name in self.fields:
                errors[name] = ["This field is read-only."]
                continue
            guess = difflib.get_close_matches(name, writable, n=1, cutoff=0.75)
            if guess:
                errors[name] = [f"Unknown field; did you mean {guess[0]}?"]
            else:
                errors[name] = [f"Unknown field. Known fields: {', '.join(writable)}."]
        return errors


class PhotoUploadSerializer(serializers.Serializer):
    """A photo of the launch-monitor screen; the analyser fills in the numbers."""

    image = serializers.FileField(
        help_text="JPEG, PNG, WebP or HEIC photo of the screen.",
        # DRF refuses an empty file before validate_image; say it as shrink_upload does.
        error_messages={"empty": EMPTY_MESSAGE},
    )
    club = serializers.ChoiceField(
        choices=Club.choices,
        required=False,
        allow_blank=True,
        error_messages=CLUB_ERROR_MESSAGES,
        help_text="Optional when the screen shows the club.",
    )
    retailer = GolferStoreField(required=False, allow_null=True)

    def validate_image(self, upload: Any) -> ShrunkImage:
        try:
            return shrink_upload(upload)
        except ImageRejected as rejection:
            raise ValidationError(rejection.message) from None


class ShotUpdateSerializer(ShotSerializer):
    """A correction: club, time and values. The store a shot was hit at stays."""

    retailer: serializers.SlugRelatedField[Retailer] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="Cannot be changed after the shot is made."
    )


class PersonalBestSerializer(serializers.ModelSerializer):
    shot_id = serializers.IntegerField(read_only=True)
    hit_at = serializers.DateTimeField(read_only=True, default_timezone=datetime.UTC)

    class Meta:
        model = PersonalBest
        fields = ["club", "metric", "value", "shot_id", "hit_at"]
        read_only_fields = fields


class PersonalBestQuerySerializer(serializers.Serializer):
    club = serializers.ChoiceField(
        choices=Club.choices, required=False, allow_blank=True, error_messages=CLUB_ERROR_MESSAGES
    )


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name="Idempotency-Key",
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Up to {IDEMPOTENCY_KEY_MAX_LENGTH} characters, unique per shot. Resending a request "
        "with the same key returns the shot the first request made (200) instead of a duplicate."
    ),
)


def _idempotency_key(request: Request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationError(
            {
                "Idempotency-Key": [
                    f"Use at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters ({len(key)} sent)."
                ]
            }
        )
    return key


@extend_schema(tags=["shots"])
class ShotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The requesting golfer's shots. There is no PUT: corrections are PATCHes."""

    serializer_class = ShotSerializer
    filterset_class = ShotFilter
    # Multipart is for photos only; typed-in values are JSON.
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self) -> QuerySet[Shot]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Shot.objects.none()
        shots = Shot.objects.filter(golfer=api_user(self.request)).select_related("retailer")
        if self.action == "list" and self.request.query_params.get("status") != "unreadable":
            # A photo without numbers is not a shot: listed only when asked for by status.
            shots = shots.exclude(status=ShotStatus.UNREADABLE)
        return shots

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        if self.action == "image":
            # The photo itself is a plain response whatever the client accepts
            # ("image/*" included); only an error is rendered, and always as JSON.
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    def get_serializer_class(self) -> type[ShotSerializer]:
        if self.action == "partial_update":
            return ShotUpdateSerializer
        return ShotSerializer

    @extend_schema(
        summary="Record a shot from typed-in values (JSON) or a photo (multipart)",
        description="JSON creates a confirmed shot from canonical values. A multipart request "
        "with an `image` file stores the photo and queues its analysis; poll the shot until its "
        "status leaves received/queued/analyzing.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request={"application/json": ShotSerializer, "multipart/form-data": PhotoUploadSerializer},
        responses={
            201: ShotSerializer,
            200: OpenApiResponse(ShotSerializer, description="Repeat of an Idempotency-Key."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description='{"field": ["message"]}'),
        },
    )
    def create(self, request: Request) -> Response:
        client_token = _idempotency_key(request)
        if request.content_type.startswith("multipart/"):
            return self._create_from_photo(request, client_token)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        shot, created = services.shot_create_manual(
            golfer=api_user(request),
            club=data["club"],
            metrics=data["metrics"],
            hit_at=data.get("hit_at"),
            retailer=data.get("retailer"),
            source=ShotSource.API,
            client_token=client_token,
        )
        return Response(
            self.get_serializer(shot).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _create_from_photo(self, request: Request, client_token: str) -> Response:
        try:
            check_request_size(request.META.get("CONTENT_LENGTH"))
        except ImageRejected as rejection:
            return Response(
                {"image": [rejection.message]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        upload = PhotoUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            shot, created = services.shot_create_from_photo(
                golfer=api_user(request),
                photo=data["image"],
                club=data.get("club") or "",
                retailer=data.get("retailer"),
                client_token=client_token,
            )
        except services.PhotoStorageUnavailable as outage:
            return Response(
                {"detail": outage.message},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "60"},
            )
        shot.refresh_from_db()  # the eager analyser may already have filled it in
        return Response(
            self.get_serializer(shot).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Correct a shot's club, time or values",
        description="Only the fields sent change; a metric sent as null is cleared. "
        "Personal bests follow the corrected values.",
        responses={
            200: ShotSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description='{"field": ["message"]}'),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="The photo is still being read."),
        },
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        shot = self.get_object()
        serializer = self.get_serializer(shot, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.shot_update(
                shot=shot,
                club=data.get("club", shot.club),
                metrics=data["metrics"],
                hit_at=data.get("hit_at"),
            )
        except services.ShotBusy as busy:
            return Response({"detail": str(busy)}, status=status.HTTP_409_CONFLICT)
        return Response(ShotSerializer(shot, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The shot's photo",
        description="The stored JPEG of the screen, for the shot's owner, with the same "
        "credentials as the rest of the API (a JWT bearer token or the session). With S3 "
        "storage the answer is a redirect to a short-lived signed URL of the photo.",
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The JPEG."),
            302: OpenApiResponse(description="Redirect to a signed URL of the JPEG (S3)."),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such shot, or no photo."),
        },
    )
    @action(detail=True, methods=["get"], url_path="image", url_name="image")
    def image(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        response = photo_response(self.get_object())
        # Who may see it depends on the token as much as on the URL.
        patch_vary_headers(response, ["Authorization"])
        return response

    @extend_schema(summary="Delete a shot; personal bests roll back to the next best shot")
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.shot_delete(shot=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


METRIC_ORDER = {name: index for index, name in enumerate(RECORD_METRICS)}


@extend_schema(tags=["personal bests"])
class PersonalBestViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The requesting golfer's records: a plain list in bag order, then metric order."""

    serializer_class = PersonalBestSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self) -> QuerySet[PersonalBest]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return PersonalBest.objects.none()
        return PersonalBest.objects.filter(golfer=api_user(self.request))

    @extend_schema(
        summary="List personal bests",
        parameters=[
            OpenApiParameter(
                name="club",
                type=str,
                enum=Club.values,
                required=False,
                description="Only this club's records.",
            )
        ],
        responses={200: PersonalBestSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        query = PersonalBestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        bests = self.get_queryset()
        if club := query.validated_data.get("club"):
            bests = bests.filter(club=club)
        in_bag_order = sorted(
            bests,
            key=lambda best: (
                CLUB_ORDER.get(best.club, len(CLUB_ORDER)),
                METRIC_ORDER.get(best.metric, len(METRIC_ORDER)),
            ),
        )
        return Response(self.get_serializer(in_bag_order, many=True).data)
