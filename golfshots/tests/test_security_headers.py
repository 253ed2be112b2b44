"""Content-Security-Policy, Permissions-Policy and the other security headers.

The browser half (no page of any role breaks the policy) is
golfshots/tests/test_csp_browser.py; these check the headers themselves and
that no template brings back inline script or style.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import storages
from django.template.loader import render_to_string
from django.test import Client
from django.urls import path

from accounts.tests.factories import UserFactory
from golfshots import settings as project_settings
from golfshots import urls as project_urls
from golfshots import views
from retailers.models import PlanStatus, Retailer

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def style_hash(css: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"


@pytest.mark.django_db
def test_every_page_carries_the_strict_policy(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_a_png_or_pdf_opened_in_the_browser_viewer_carries_no_style_policy_but_svg_does(client):
    # Chromium's image and PDF viewers style themselves inline; an SVG can run script.
    Retailer.objects.create(name="Alpha", slug="alpha", plan_status=PlanStatus.ACTIVE)

    png = client.get("/s/alpha/qr.png")
    svg = client.get("/s/alpha/qr.svg")

    assert png.status_code == svg.status_code == 200
    assert "Content-Security-Policy" not in png
    assert "Permissions-Policy" in png
    assert directives(svg)["script-src"] == ["'self'"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/api/v1/shots/", "/no-such-page/"])
def test_it_sends_permissions_policy_and_the_other_security_headers(client, url):
    response = client.get(url)

    features = dict(
        feature.strip().split("=") for feature in response["Permissions-Policy"].split(",")
    )
    assert features["camera"] == "()"
    assert features["geolocation"] == "()"
    assert features["microphone"] == "()"
    assert features["payment"] == "()"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Content-Security-Policy" in response


@pytest.mark.django_db
def test_admin_pages_may_use_inline_styles_but_never_inline_scripts(client):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    response = client.get("/admin/shots/shot/")

    assert response.status_code == 200
    policy = directives(response)
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]


def _crash(request):
    raise RuntimeError("a bug in a page")


urlpatterns = [path("crash/", _crash), *project_urls.urlpatterns]
handler500 = views.server_error


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_error_page_keeps_its_inline_style_through_a_hash():
    # 500.html is rendered without static files on purpose (it must render while
    # they are broken), so its <style> is allowed by its hash on 5xx answers only.
    response = Client(raise_request_exception=False).get("/crash/")

    assert response.status_code == 500
    css = re.search(r"<style>(.*?)</style>", response.content.decode(), re.DOTALL)
    assert css is not None
    assert style_hash(css.group(1)) in directives(response)["style-src"]
    assert len(directives(Client().get("/accounts/login/"))["style-src"]) == 1


def test_the_503_page_shares_the_hashed_style_of_the_500_page():
    style = re.compile(r"<style>(.*?)</style>", re.DOTALL)

    unavailable = style.findall(render_to_string("503.html", request=None))
    server_error = style.findall(render_to_string("500.html"))

    assert unavailable == server_error


@pytest.mark.django_db
def test_the_api_docs_run_no_inline_script(client, golfer):
    client.force_login(golfer)

    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    css = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    assert css is not None
    assert style_hash(css.group(1)) in directives(page)["style-src"]
    assert directives(page)["script-src"] == ["'self'"]
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


@pytest.mark.django_db
def test_photos_on_s3_are_allowed_from_the_bucket_only(client, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_S3_REGION_NAME", "eu-west-1")
    bucket = f"photos-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {**settings.STORAGES, "default": project_settings._s3_media(bucket)}
    # Signing is local: no bucket has to answer for the URL to exist.
    photo = urlsplit(storages["default"].url("shots/2026/11/screen.jpg"))

    policy = directives(client.get("/accounts/login/"))

    assert policy["img-src"] == ["'self'", "data:", f"{photo.scheme}://{photo.netloc}"]


def _templates_source() -> dict[str, str]:
    comments = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)
    return {
        str(template.relative_to(TEMPLATES)): comments.sub("", template.read_text())
        for template in TEMPLATES.rglob("*.html")
    }


INLINE = {
    "a <style> block": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_template_has_inline_script_or_style():
    found = [
        f"{name}: {what}"
        for name, source in _templates_source().items()
        for what, pattern in INLINE.items()
        # 500.html (and 503.html, which extends it) renders without static files: its
        # style is allowed by hash, as test_the_error_page_keeps_its_inline_style_through_a_hash checks.
        if pattern.search(source) and not (name == "500.html" and what == "a <style> block")
    ]

    assert found == []
