from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
