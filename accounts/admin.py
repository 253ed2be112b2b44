from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from accounts.models import User
from accounts.services import user_revoke_tokens


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django's form for staff setting (or removing) someone's password, ending their API sessions.

    It keeps Django's "usable password" switch, which accounts.services.user_set_password
    has no use for; the revocation is the same service's.
    """

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit:
            user_revoke_tokens(user=user)
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    change_password_form = PasswordChangeForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("display_name", "first_name", "last_name", "email")}),
        ("Preferences", {"fields": ("units", "handedness", "timezone")}),
        (
            "Permissions",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            "Profile",
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "units", "timezone"),
            },
        ),
    )
    list_display = ("username", "email", "display_name", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "units", "groups")
    search_fields = ("username", "email", "display_name")
    ordering = ("username",)
