"""The API's token endpoints: simplejwt's views with lockout, rotation and revocation.

``POST /api/v1/auth/token/`` counts failures through django-axes like the
log-in page (accounts/lockout.py) and answers 429 while locked out.
``/token/refresh/`` rotates: each refresh token works once (simplejwt
blacklists it), and none works after a password change (the user's
outstanding ones are blacklisted by accounts.services.user_set_password, and
the password claim no longer matches).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.lockout import lockout_message, lockout_wait
from accounts.models import User
from accounts.throttles import ClientAddressAnonThrottle

USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length


class LockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, wait: timedelta) -> None:
        # DRF's handler turns ``wait`` into Retry-After.
        self.wait = max(1, math.ceil(wait.total_seconds()))
        super().__init__(lockout_message(wait))


class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Unbounded, a long name would reach axes' 255-character column and fail
        # the insert (500); no account has a longer one.
        self.fields[self.username_field] = serializers.CharField(
            write_only=True, max_length=USERNAME_MAX_LENGTH
        )


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])  # bad, expired or used: TokenError
        user = User.objects.filter(
            **{api_settings.USER_ID_FIELD: refresh.payload.get(api_settings.USER_ID_CLAIM)}
        ).first()
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            # simplejwt's own lookup raises DoesNotExist (500) for a deleted account.
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        if api_settings.CHECK_REVOKE_TOKEN and refresh.payload.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            # A password set outside the accounts services (manage.py changepassword)
            # revoked nothing; the claim still tells.
            raise AuthenticationFailed(
                "The password was changed; log in again.", "password_changed"
            )
        with transaction.atomic():
            # Two requests with one refresh token: the second waits here for the
            # first to blacklist it, then simplejwt's check refuses it, instead
            # of both getting a new pair.
            list(
                OutstandingToken.objects.select_for_update()
                .filter(jti=refresh.payload[api_settings.JTI_CLAIM])
                .values_list("pk", flat=True)
            )
            return super().validate(attrs)


class TokenObtainPairView(jwt_views.TokenObtainPairView):
    serializer_class = TokenObtainPairSerializer
    throttle_classes = [ClientAddressAnonThrottle]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            # Set by axes on this request when this failure reached a limit, or
            # when the client was locked out already (the password was not checked).
            if getattr(request, "axes_locked_out", False):
                data = request.data
                username = data.get("username") if isinstance(data, Mapping) else None
                credentials = {"username": username}
                raise LockedOut(lockout_wait(request, credentials)) from None
            raise


class TokenRefreshView(jwt_views.TokenRefreshView):
    serializer_class = TokenRefreshSerializer
    throttle_classes = [ClientAddressAnonThrottle]
