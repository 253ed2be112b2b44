"""Reads that span models: the golfer's bag and shot lists."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, QuerySet

from accounts.models import User
from shots.metrics import RECORD_METRICS
from shots.models import CLUB_ORDER, COUNTED, Club, PersonalBest, Shot


@dataclass
class BagRow:
    club: str
    label: str
    shots: int
    counted_shots: int
    last_hit_at: object
    bests: dict[str, PersonalBest] = field(default_factory=dict)


def shots_for_golfer(golfer: User) -> QuerySet[Shot]:
    return Shot.objects.for_golfer(golfer).select_related("retailer")


def bag_for_golfer(golfer: User) -> list[BagRow]:
    """Per club: shot counts and personal bests, in bag order. Two queries."""
    counts = (
        Shot.objects.for_golfer(golfer)
        .values("club")
        .annotate(shots=Count("id"), counted=Count("id", filter=COUNTED), last=Max("hit_at"))
    )
    labels = dict(Club.choices)
    rows = {
        row["club"]: BagRow(
            club=row["club"],
            label=labels.get(row["club"], row["club"]),
            shots=row["shots"],
            counted_shots=row["counted"],
            last_hit_at=row["last"],
        )
        for row in counts
    }
    for best in PersonalBest.objects.filter(golfer=golfer):
        if best.club in rows:
            rows[best.club].bests[best.metric] = best
    return sorted(rows.values(), key=lambda row: CLUB_ORDER.get(row.club, 99))


def records_held_by(shot: Shot) -> list[PersonalBest]:
    """The golfer's personal bests that this shot currently holds, in record order."""
    order = {metric: index for index, metric in enumerate(RECORD_METRICS)}
    records = PersonalBest.objects.filter(golfer_id=shot.golfer_id, shot=shot)
    return sorted(records, key=lambda record: order[record.metric])
