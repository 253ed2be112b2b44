"""REST API for launch-monitor file imports (``/api/v1/imports/``).

``POST /imports/`` (multipart ``file``, optional ``retailer``) reads the file
and answers its preview; nothing but the import itself is stored.
``GET /imports/<id>/`` answers the preview again (with the choices so far).
``POST /imports/<id>/commit/`` takes optional ``units``, ``clubs`` and
``session_started_at`` and imports: ``{created, duplicates, session}``, or
202 while a big file is imported in the background. Values are canonical.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.requests import api_user
from golfshots.parsers import JSONParser
from retailers.models import Retailer
from shots import services
from shots.api import GolferStoreField
from shots.images import ImageRejected, check_request_size
from shots.imports.plan import LEAVE_OUT, ImportPlan
from shots.imports.result import ImportFileError
from shots.imports.tables import MAX_IMPORT_BYTES
from shots.metrics import METRIC_NAMES
from shots.models import Club, ImportStatus, ShotImport

# The preview lists at most this many rejected (or skipped, or warned) rows; the counts are whole.
LISTED_ROWS = 500


def preview_data(shot_import: ShotImport, plan: ImportPlan | None) -> dict[str, Any]:
    """The preview as the API answers it (``plan`` None once the file has been imported)."""
    data: dict[str, Any] = {
        "id": shot_import.pk,
        "status": shot_import.status,
        "file_name": shot_import.file_name,
        "vendor": shot_import.vendor,
        "format": shot_import.file_format,
        "retailer": shot_import.retailer.slug if shot_import.retailer else None,
    }
    if plan is None:
        return {
            **data,
            "created": shot_import.created_count,
            "duplicates": shot_import.duplicate_count,
            "session": shot_import.session_id,
        }
    return {
        **data,
        "format_label": plan.result.format_label,
        "device": plan.result.device,
        "session_started_at": plan.session_started_at,
        "session_time_source": plan.session_time_source,
        "rows": len(plan.new_shots),
        "duplicates": len(plan.duplicates),
        "skipped": len(plan.skipped),
        "skipped_rows": [_note(note) for note in plan.skipped[:LISTED_ROWS]],
        "rejected": [_note(note) for note in plan.rejected[:LISTED_ROWS]],
        "rejected_count": len(plan.rejected),
        "left_out_values": [_note(note) for note in plan.dropped[:LISTED_ROWS]],
        "warnings": [
            {"row": shot.row_number, "messages": shot.warnings}
            for shot in plan.warned[:LISTED_ROWS]
        ],
        "units": {
            column.metric: {
                "header": column.header,
                "unit": column.unit,
                "source": column.source,
                "reason": column.reason,
            }
            for column in plan.columns
        },
        "clubs": [
            {"text": club.text, "suggested": club.suggested, "club": club.chosen, "rows": club.rows}
            for club in plan.clubs
        ],
        "problems": plan.problems,
        "can_commit": plan.can_commit,
    }


def _note(note: Any) -> dict[str, Any]:
    return {"row": note.row_number, "reason": note.reason}


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The session file your launch monitor's app exported (CSV, XLSX or JSON)."
    )
    retailer: serializers.SlugRelatedField[Retailer] = GolferStoreField(
        required=False,
        allow_null=True,
        help_text="Slug of the store where the session was hit; omit for home practice.",
    )


class ImportCommitSerializer(serializers.Serializer):
    units = serializers.DictField(
        child=serializers.CharField(max_length=10),
        required=False,
        help_text='Unit per metric where the file is wrong or silent, e.g. {"ball_speed": "km/h"}.',
    )
    clubs = serializers.DictField(
        child=serializers.ChoiceField(choices=[*Club.values, LEAVE_OUT]),
        required=False,
        help_text=f'Our club per club name in the file, e.g. {{"Eisen 7": "7i"}}; "{LEAVE_OUT}" '
        "leaves that club's rows out.",
    )
    session_started_at = serializers.DateTimeField(
        required=False,
        default_timezone=datetime.UTC,
        help_text="When the session started, for files that do not say (ISO 8601).",
    )

    def validate_units(self, units: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(units) - set(METRIC_NAMES))
        if unknown:
            raise serializers.ValidationError(f"Unknown metrics: {', '.join(unknown)}.")
        return units


class ImportViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    parser_classes = [MultiPartParser, JSONParser]
    serializer_class = ImportUploadSerializer

    def get_queryset(self) -> QuerySet[ShotImport]:
        if getattr(self, "swagger_fake_view", False):
            return ShotImport.objects.none()  # the schema generator has no user
        # A golfer's own imports only: another golfer's id is a 404.
        return ShotImport.objects.filter(golfer=api_user(self.request)).select_related("retailer")

    @extend_schema(
        summary="Upload a launch-monitor export and get its preview",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: OpenApiResponse(OpenApiTypes.OBJECT, description="The preview."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description='{"file": ["message"]}'),
            413: OpenApiResponse(OpenApiTypes.OBJECT, description="The file is too large."),
        },
    )
    def create(self, request: Request) -> Response:
        try:
            check_request_size(request.META.get("CONTENT_LENGTH"), max_bytes=MAX_IMPORT_BYTES)
        except ImageRejected:
            return Response(
                {"file": [_too_large_message()]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        upload = ImportUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        if file.size > MAX_IMPORT_BYTES:
            return Response(
                {"file": [_too_large_message()]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        golfer = api_user(request)
        try:
            shot_import, plan = services.import_upload(
                golfer=golfer,
                uploaded_by=golfer,
                retailer=upload.validated_data.get("retailer"),
                file_name=file.name or "",
                content=file.read(),
            )
        except ImportFileError as error:
            return Response({"file": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(preview_data(shot_import, plan), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="An import's preview (or, once imported, what it created)",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT)},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shot_import = self.get_object()
        if shot_import.status != ImportStatus.PREVIEW:
            return Response(preview_data(shot_import, None))
        return Response(preview_data(shot_import, services.import_plan(shot_import=shot_import)))

    @extend_schema(
        summary="Confirm an import, with optional unit, club and session-time choices",
        request=ImportCommitSerializer,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="{created, duplicates, session}"),
            202: OpenApiResponse(OpenApiTypes.OBJECT, description="Importing in the background."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description='{"detail": "message"}'),
        },
    )
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        shot_import = self.get_object()
        choices = ImportCommitSerializer(data=request.data)
        choices.is_valid(raise_exception=True)
        try:
            if shot_import.status == ImportStatus.PREVIEW:
                services.import_choices_update(
                    shot_import=shot_import,
                    units=choices.validated_data.get("units"),
                    clubs=choices.validated_data.get("clubs"),
                    session_started_at=choices.validated_data.get("session_started_at"),
                )
            outcome = services.import_commit(shot_import=shot_import)
        except services.ImportNotReady as not_ready:
            return Response({"detail": str(not_ready)}, status=status.HTTP_400_BAD_REQUEST)
        except ImportFileError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        if outcome.in_background:
            return Response(
                {"id": shot_import.pk, "status": ImportStatus.IMPORTING},
                status=status.HTTP_202_ACCEPTED,
            )
        return Response(
            {
                "created": outcome.created,
                "duplicates": outcome.duplicates,
                "session": outcome.sessions[0] if outcome.sessions else None,
                "sessions": outcome.sessions,
            }
        )


def _too_large_message() -> str:
    return (
        f"The file is over {MAX_IMPORT_BYTES // 1024 // 1024} MB, the most golfshots imports "
        "at once. Export one session at a time."
    )
