"""The staff API: a member's stores, their customers and shots, and verifying a shot.

Every store is resolved by ``retailers.tenancy.retailer_for_staff``, so a store
the caller is not on the staff of is a 404, exactly as in the console.
Values are canonical units (mph, yd, ft, rpm, deg, s), as in the golfer API.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.requests import api_user
from console import selectors
from retailers.models import CustomerLink, Membership, Retailer
from retailers.tenancy import retailer_for_staff
from shots import services as shot_services
from shots.api import ClubField
from shots.filters import ShotFilter
from shots.metrics import METRIC_NAMES
from shots.models import Shot

READ_ONLY_MESSAGE = "This store is read-only: its plan is not active, so nothing can be changed."


class StoreSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role at the store: owner or staff.")

    class Meta:
        model = Retailer
        fields = ["slug", "name", "timezone", "units", "role"]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # Added here, not declared on the class: a class attribute named
        # read_only would stand in for the serializer's own Field.read_only flag.
        fields["read_only"] = serializers.SerializerMethodField(
            help_text="True when the store's plan has lapsed: data can be read, not changed."
        )
        return fields

    def get_role(self, store: Retailer) -> str:
        return self.context["roles"][store.pk]

    def get_read_only(self, store: Retailer) -> bool:
        return store.is_read_only()


class CustomerSerializer(serializers.ModelSerializer):
    golfer_id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(source="golfer.username", read_only=True)
    display_name = serializers.CharField(source="golfer.display_name", read_only=True)
    board_name = serializers.CharField(source="leaderboard_name", read_only=True)
    email = serializers.SerializerMethodField(
        help_text="Only when the golfer agreed to the store's marketing e-mail; otherwise null."
    )
    shots_here = serializers.IntegerField(read_only=True)

    class Meta:
        model = CustomerLink
        fields = [
            "golfer_id",
            "username",
            "display_name",
            "board_name",
            "leaderboard_consent",
            "marketing_consent",
            "email",
            "joined_at",
            "joined_via",
            "shots_here",
        ]

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_email(self, link: CustomerLink) -> str | None:
        return link.golfer.email if link.marketing_consent else None


class StoreShotSerializer(serializers.ModelSerializer):
    golfer_id = serializers.IntegerField(read_only=True)
    club = ClubField(read_only=True)
    golfer_username = serializers.CharField(source="golfer.username", read_only=True)
    verified_by = serializers.SerializerMethodField(help_text="Username of the verifier, or null.")
    is_counted = serializers.BooleanField(
        read_only=True, help_text="Whether the shot feeds personal bests and leaderboards."
    )

    class Meta:
        model = Shot
        fields = [
            "id",
            "golfer_id",
            "golfer_username",
            "club",
            "status",
            "source",
            "hit_at",
            *METRIC_NAMES,
            "metric_flags",
            "is_counted",
            "is_excluded",
            "exclusion_reason",
            "verified_at",
            "verified_by",
        ]
        read_only_fields = fields

    def get_verified_by(self, shot: Shot) -> str | None:
        return shot.verified_by.username if shot.verified_by else None


class StoreShotFilter(ShotFilter):
    """The golfer filters plus ``golfer`` (an id); dates are days on the store's clock."""

    golfer = django_filters.NumberFilter(field_name="golfer_id", label="Golfer id")

    class Meta(ShotFilter.Meta):
        fields = ["golfer", *ShotFilter.Meta.fields]

    def _golfer_timezone(self) -> datetime.tzinfo:
        return self.request.retailer.zone


class StoreRequest(Request):
    """A staff API request once ``StoreScopedMixin.store`` has put the store on it."""

    retailer: Retailer


class StoreScopedMixin(APIView):
    """Resolves ``{slug}`` to the caller's store once, as ``request.retailer``."""

    def store(self) -> Retailer:
        request = cast(StoreRequest, self.request)
        if not hasattr(request, "retailer"):
            request.retailer = retailer_for_staff(request.user, self.kwargs["slug"])
        return request.retailer


@extend_schema(tags=["stores"], summary="The stores you are on the staff of")
class StoreListView(generics.ListAPIView):
    serializer_class = StoreSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Retailer]:
        return Retailer.objects.filter(memberships__user=api_user(self.request)).order_by("name")

    def get_serializer_context(self) -> dict[str, Any]:
        roles = dict(
            Membership.objects.filter(user=api_user(self.request)).values_list(
                "retailer_id", "role"
            )
        )
        return {**super().get_serializer_context(), "roles": roles}


@extend_schema(tags=["stores"], summary="The store's customers, newest first")
class StoreCustomerListView(StoreScopedMixin, generics.ListAPIView):
    serializer_class = CustomerSerializer
    filter_backends: list = []
    queryset = CustomerLink.objects.none()  # for the schema; get_queryset scopes to the store

    def get_queryset(self) -> QuerySet[CustomerLink]:
        if getattr(self, "swagger_fake_view", False):
            return CustomerLink.objects.none()
        return selectors.customers_search(self.store(), self.request.query_params.get("q", ""))


@extend_schema(tags=["stores"], summary="Shots hit at the store, newest first")
class StoreShotListView(StoreScopedMixin, generics.ListAPIView):
    serializer_class = StoreShotSerializer
    filterset_class = StoreShotFilter
    queryset = Shot.objects.none()

    def get_queryset(self) -> QuerySet[Shot]:
        if getattr(self, "swagger_fake_view", False):
            return Shot.objects.none()
        return selectors.shots_at_store(self.store()).select_related("verified_by")


@extend_schema(tags=["stores"])
class StoreShotVerifyView(StoreScopedMixin, APIView):
    @extend_schema(
        summary="Verify a shot hit at the store",
        request=None,
        responses={
            200: StoreShotSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Nothing to verify yet."),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="The store is read-only."),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such store or shot."),
        },
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        store = self.store()
        shot = selectors.shot_at_store(store, pk)
        if store.is_read_only():
            raise PermissionDenied(READ_ONLY_MESSAGE)
        try:
            shot_services.shot_verify(shot=shot, staff=api_user(request))
        except DjangoValidationError as problem:
            raise ValidationError({"detail": problem.messages}) from None
        except shot_services.ShotBusy as problem:
            raise ValidationError({"detail": [str(problem)]}) from None
        return Response(StoreShotSerializer(shot).data)
