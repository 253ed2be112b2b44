"""A favicon: linked from every page, and /favicon.ico answers instead of a 404."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_it_ships_an_svg_favicon():
    svg = (REPO / "static" / "favicon.svg").read_text()

    assert svg.startswith("<svg")
    assert "</svg>" in svg


@pytest.mark.django_db
def test_it_links_the_favicon_and_redirects_favicon_ico_to_it(client):
    page = client.get("/accounts/login/").content.decode()
    response = client.get("/favicon.ico")

    assert 'rel="icon" href="/static/favicon.svg"' in page
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
