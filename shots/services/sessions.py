"""Practice sessions: grouping a golfer's shots, kept in line by every write to a shot's time.

The rule (``shots.models.SESSION_GAP``, 60 minutes): shots of one golfer belong
to one session while each follows the one before within the gap; a shot
exactly 60 minutes after the previous one still joins, one more second later
starts a new session. So a shot hit between two sessions, within 60 minutes of
both, merges them, and deleting or moving a shot from the middle of a session
can split it.

Who calls what:

- ``session_for_shot(shot=)`` after a shot is saved with its (new) ``hit_at``:
  typing, correcting (golfer or staff, ``shot_update``), a photo upload (its
  ``hit_at`` is the upload time), an admin edit.
- Import sessions are what the file says: the gap rule never adds to,
  merges or splits them.
- ``session_create_for_import(...)`` makes the import session of shots the
  importer is about to bulk-create, so they are inserted with it set.
- ``session_shot_removed(shot=)`` after a shot is deleted.
- ``sessions_regroup_for_golfer(golfer_id=)`` rebuilds a golfer's practice
  sessions from scratch after a bulk write (the demo seed's bulk_create).

Invariant the incremental functions rely on: a golfer's practice sessions are
maximal chains, so any two of them are more than ``SESSION_GAP`` apart. A
change then only ever touches the sessions within the gap of the shot's old
and new time, and regrouping just those keeps the invariant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from shots.models import SESSION_GAP, PracticeSession, SessionKind, Shot

# Rows the grouping reads: (shot id, hit_at, retailer id).
ShotRow = tuple[int, datetime, int | None]


@dataclass
class _Group:
    """Consecutive shots no more than SESSION_GAP apart, in time order."""

    started_at: datetime
    ended_at: datetime
    retailer_id: int | None  # the session is where it started
    shot_ids: list[int] = field(default_factory=list)

    @classmethod
    def starting(cls, row: ShotRow) -> _Group:
        shot_id, hit_at, retailer_id = row
        return cls(started_at=hit_at, ended_at=hit_at, retailer_id=retailer_id, shot_ids=[shot_id])

    def add(self, row: ShotRow) -> None:
        self.shot_ids.append(row[0])
        self.ended_at = row[1]


def split_by_gap(rows: Iterable[ShotRow]) -> list[_Group]:
    """Shots in (hit_at, id) order, split wherever the gap to the previous shot is over 60 min."""
    groups: list[_Group] = []
    for row in rows:
        if groups and row[1] - groups[-1].ended_at <= SESSION_GAP:
            groups[-1].add(row)
        else:
            groups.append(_Group.starting(row))
    return groups


def _lock_golfer(golfer_id: int) -> None:
    # The same lock personal_bests_recompute takes: two writes for one golfer
    # (two uploads at once) regroup one after the other, never interleaved.
    get_user_model().objects.select_for_update().filter(pk=golfer_id).first()


def session_for_shot(*, shot: Shot) -> PracticeSession:
    """Put a saved shot into its session, extending, merging or splitting sessions as needed.

    Call it inside the write's transaction after every save that creates a
    shot or may change its ``hit_at``.
    """
    with transaction.atomic():
        _lock_golfer(shot.golfer_id)
        previous_id = shot.session_id
        previous = (
            PracticeSession.objects.filter(pk=previous_id).first()
            if previous_id is not None
            else None
        )
        if previous is not None and previous.golfer_id != shot.golfer_id:
            # An admin moved the shot to another golfer: the old session loses it.
            _lock_golfer(previous.golfer_id)
            _regroup(golfer_id=previous.golfer_id, session_ids=[previous.pk])
            previous = None
        if previous is not None and previous.kind == SessionKind.IMPORT:
            # The file decides an imported shot's session; only its bounds move.
            _regroup(golfer_id=shot.golfer_id, session_ids=[previous.pk])
            shot.session = previous
            previous.refresh_from_db()
            return previous

        near = set(
            PracticeSession.objects.filter(
                golfer_id=shot.golfer_id,
                kind=SessionKind.PRACTICE,
                started_at__lte=shot.hit_at + SESSION_GAP,
                ended_at__gte=shot.hit_at - SESSION_GAP,
            ).values_list("pk", flat=True)
        )
        if previous is not None:
            near.add(previous.pk)
        sessions = _regroup(golfer_id=shot.golfer_id, session_ids=near, shot_ids=[shot.pk])
        session = sessions[shot.pk]
        shot.session = session
        return session


def session_shot_removed(*, shot: Shot) -> None:
    """After ``shot`` was deleted: shrink, split or delete the session it was in."""
    if shot.session_id is None:
        return
    with transaction.atomic():
        _lock_golfer(shot.golfer_id)
        _regroup(golfer_id=shot.golfer_id, session_ids=[shot.session_id])


def session_create_for_import(
    *,
    golfer_id: int,
    retailer_id: int | None,
    hit_times: Sequence[datetime],
    import_reference: str,
) -> PracticeSession:
    """A new import session for shots about to be created from one file (or one of its sessions).

    For the importer's bulk insert: the shots are created with this session
    already set, so no shot moves and no other session changes (new shots
    were in none). One file is one session whatever gaps it has inside.
    """
    return PracticeSession.objects.create(
        golfer_id=golfer_id,
        retailer_id=retailer_id,
        started_at=min(hit_times),
        ended_at=max(hit_times),
        shot_count=len(hit_times),
        kind=SessionKind.IMPORT,
        import_reference=import_reference,
    )


def sessions_regroup_for_golfer(*, golfer_id: int) -> int:
    """Rebuild the golfer's practice sessions from all their shots; returns how many there are.

    For bulk writes (the demo seed) that bypass ``session_for_shot``. Import
    sessions are left as they are.
    """
    with transaction.atomic():
        _lock_golfer(golfer_id)
        PracticeSession.objects.filter(golfer_id=golfer_id, kind=SessionKind.PRACTICE).delete()
        rows = (
            Shot.objects.filter(golfer_id=golfer_id, session__isnull=True)
            .order_by("hit_at", "pk")
            .values_list("pk", "hit_at", "retailer_id")
        )
        groups = split_by_gap(rows.iterator(chunk_size=2000))
        sessions = PracticeSession.objects.bulk_create(
            [_session_for(golfer_id, group) for group in groups]
        )
        for session, group in zip(sessions, groups, strict=True):
            # Sessions are more than SESSION_GAP apart: their time ranges never
            # overlap, so one UPDATE by range assigns each without listing ids.
            Shot.objects.filter(
                golfer_id=golfer_id,
                session__isnull=True,
                hit_at__gte=group.started_at,
                hit_at__lte=group.ended_at,
            ).update(session=session)
        return len(sessions)


def _session_for(golfer_id: int, group: _Group) -> PracticeSession:
    return PracticeSession(
        golfer_id=golfer_id,
        retailer_id=group.retailer_id,
        started_at=group.started_at,
        ended_at=group.ended_at,
        shot_count=len(group.shot_ids),
        kind=SessionKind.PRACTICE,
    )


def _regroup(
    *, golfer_id: int, session_ids: Iterable[int], shot_ids: Iterable[int] = ()
) -> dict[int, PracticeSession]:
    """Regroup the shots of these sessions (plus ``shot_ids``) and store the result.

    Practice sessions are split by the gap; an import session stays whole and
    only has its bounds refreshed. The existing rows are reused, the earliest
    first, so a session's URL survives a shot being added; rows left over are
    deleted. Returns each shot's session.
    """
    sessions = list(
        PracticeSession.objects.filter(golfer_id=golfer_id, pk__in=set(session_ids)).order_by(
            "started_at", "pk"
        )
    )
    shot_ids = list(shot_ids)
    rows = list(
        Shot.objects.filter(golfer_id=golfer_id)
        .filter(Q(session__in=sessions) | Q(pk__in=shot_ids))
        .order_by("hit_at", "pk")
        .values_list("pk", "hit_at", "retailer_id", "session_id")
    )
    current = {pk: session_id for pk, _hit_at, _retailer_id, session_id in rows}
    by_session: dict[int, list[ShotRow]] = {}
    loose: list[ShotRow] = []
    imports = {session.pk for session in sessions if session.kind == SessionKind.IMPORT}
    for pk, hit_at, retailer_id, session_id in rows:
        if session_id in imports:
            by_session.setdefault(session_id, []).append((pk, hit_at, retailer_id))
        else:
            loose.append((pk, hit_at, retailer_id))

    assigned: dict[int, PracticeSession] = {}
    practice = [session for session in sessions if session.kind == SessionKind.PRACTICE]
    for session in sessions:
        if session.kind == SessionKind.IMPORT:
            # One file is one session, whatever gaps it has inside.
            kept = by_session.get(session.pk, [])
            if not kept:
                session.delete()
                continue
            whole = _Group.starting(kept[0])
            for row in kept[1:]:
                whole.add(row)
            _store(session, whole, assigned, current)

    groups = split_by_gap(loose)
    for index, group in enumerate(groups):
        if index < len(practice):
            _store(practice[index], group, assigned, current)
        else:
            new = PracticeSession(golfer_id=golfer_id, kind=SessionKind.PRACTICE)
            _store(new, group, assigned, current)
    leftover = [session.pk for session in practice[len(groups) :]]
    if leftover:
        PracticeSession.objects.filter(pk__in=leftover).delete()
    return assigned


def _store(
    session: PracticeSession,
    group: _Group,
    assigned: dict[int, PracticeSession],
    current: Mapping[int, int | None],
) -> None:
    """Save the session's bounds and move into it only the shots not in it yet."""
    session.started_at = group.started_at
    session.ended_at = group.ended_at
    session.retailer_id = group.retailer_id
    session.shot_count = len(group.shot_ids)
    session.save()
    moving = [shot_id for shot_id in group.shot_ids if current.get(shot_id) != session.pk]
    if moving:
        Shot.objects.filter(pk__in=moving).update(session=session)
    for shot_id in group.shot_ids:
        assigned[shot_id] = session
