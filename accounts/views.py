"""Sign-up, the golfer's own settings and setting a password.

Log in, log out and the password-reset request use Django's auth views (log-in
failures are counted by django-axes: accounts/lockout.py). Changing a password
and setting one from a reset link use Django's views too, with the saving done
by accounts.services.user_set_password, which also ends the API sessions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts.forms import AccountSettingsForm, SignUpForm
from accounts.models import User
from accounts.requests import AuthenticatedHttpRequest
from accounts.services import user_set_password, user_sign_up, user_update_settings


def _safe_next_url(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    next_url = _safe_next_url(request)
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = user_sign_up(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                display_name=data["display_name"],
                units=data["units"],
                timezone=data["timezone"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Named: LockoutBackend comes first in AUTHENTICATION_BACKENDS and logs no one in.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to golfshots, {user.public_name}!")
            # A new account is a golfer's: the golfer home (staff join later by invitation).
            return redirect(next_url or "home")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AccountSettingsForm(
        request.POST if request.method == "POST" else None, instance=request.user
    )
    if form.is_valid():
        user_update_settings(user=request.user, **form.cleaned_data)
        messages.success(request, "Your settings are saved.")
        return redirect("account_settings")
    return render(request, "accounts/settings.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = user_set_password(user=form.user, password=form.cleaned_data["new_password1"])
        # Django's view keeps the session that changed the password; so do we.
        update_session_auth_hash(self.request, user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        user: User = form.user
        user_set_password(user=user, password=form.cleaned_data["new_password1"])
        # The link works once (Django's view forgets it the same way).
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())
