"""The main HTML pages of the app on the demo seed, per account (None: a visitor).

Shared by the embedded-default smoke run (every page answers on SQLite) and the
layout test (no page scrolls sideways), so a new page is added once and both
check it.
"""

from __future__ import annotations


def main_pages(*, golfer_id: int, shot_id: int, event_id: int) -> dict[str | None, list[str]]:
    return {
        None: [
            "/",
            "/accounts/login/",
            "/accounts/signup/",
            "/leaderboards/",
            "/s/demo/",
            "/s/demo/kiosk/",
            "/s/demo/events/",
        ],
        "demo": [
            "/",
            "/shots/",
            "/shots/new/",
            "/shots/upload/",
            f"/shots/{shot_id}/",
            f"/shots/{shot_id}/edit/",
            "/sessions/",
            "/bag/",
            "/my-game/",
            "/my-game/?days=365",
            "/my-game/compare/?before_start=2026-01-01&before_end=2026-06-30"
            "&after_start=2026-07-01&after_end=2026-11-24",
            "/stores/",
            "/join/demo/",
            "/leaderboards/",
            "/leaderboards/?store=demo&metric=smash_factor&period=all",
            "/s/demo/",
            "/s/demo/events/",
            f"/s/demo/events/{event_id}/",
            "/accounts/settings/",
        ],
        "owner": [
            "/console/demo/",
            "/console/demo/customers/",
            f"/console/demo/customers/{golfer_id}/",
            f"/console/demo/customers/{golfer_id}/game/",
            "/console/demo/verification/",
            "/console/demo/verification/log/",
            f"/console/demo/shots/{shot_id}/",
            "/console/demo/record/",
            f"/console/demo/customers/{golfer_id}/record/",
            "/console/demo/settings/",
            "/console/demo/events/",
            "/console/demo/events/new/",
            f"/console/demo/events/{event_id}/edit/",
            "/console/demo/staff/",
        ],
    }
