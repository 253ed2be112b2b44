"""Writes for shots, one module per workflow. Views, the API, tasks and admin call these.

- ``records``: what follows any change to a counted shot (personal bests,
  board records, board and analytics versions), and the "can this shot count?" guard.
- ``board_records``: the all-time boards' table, per golfer, store, club and metric.
- ``outliers``: the shots far above their golfer's usual at a store, for the console's queue.
- ``manual``: a golfer typing, correcting, confirming or deleting a shot.
- ``uploads``: storing a photo as a shot and queueing its analysis.
- ``pipeline``: the worker's analysis of a photo, and the sweeper's claim.
- ``reviews``: store staff verifying, excluding and correcting shots.
- ``sessions``: grouping shots into practice sessions (the 60-minute rule, imports).
- ``imports``: launch-monitor export files: upload and preview, choices, commit.

Everything is re-exported here, so ``from shots import services`` and
``services.shot_verify(...)`` keep working whichever module a function is in.
"""

from shots.services.board_records import board_records_rebuild, board_records_recompute
from shots.services.imports import (
    ImportNotReady,
    ImportOutcome,
    import_choices_update,
    import_commit,
    import_plan,
    import_progress,
    import_upload,
)
from shots.services.manual import shot_confirm, shot_create_manual, shot_delete, shot_update
from shots.services.outliers import outliers_rebuild, outliers_recompute
from shots.services.pipeline import (
    AnalysisRun,
    NotUnreadable,
    shot_analyze,
    stuck_shots_reclaim,
    unreadable_shot_discard,
    unreadable_shots_discard_abandoned,
)
from shots.services.records import (
    ShotBusy,
    ShotPlace,
    counted_shot_changed,
    personal_bests_recompute,
    shot_can_count_check,
)
from shots.services.reviews import (
    shot_correct_by_staff,
    shot_exclude,
    shot_include,
    shot_verify,
)
from shots.services.sessions import (
    session_create_for_import,
    session_for_shot,
    session_shot_removed,
    sessions_regroup_for_golfer,
)
from shots.services.uploads import PhotoStorageUnavailable, shot_create_from_photo
from shots.tasks import analysis_enqueue, shots_requeue_stuck

__all__ = [
    "AnalysisRun",
    "ImportNotReady",
    "ImportOutcome",
    "NotUnreadable",
    "PhotoStorageUnavailable",
    "ShotBusy",
    "ShotPlace",
    "analysis_enqueue",
    "board_records_rebuild",
    "board_records_recompute",
    "counted_shot_changed",
    "import_choices_update",
    "import_commit",
    "import_plan",
    "import_progress",
    "import_upload",
    "outliers_rebuild",
    "outliers_recompute",
    "personal_bests_recompute",
    "session_create_for_import",
    "session_for_shot",
    "session_shot_removed",
    "sessions_regroup_for_golfer",
    "shot_analyze",
    "shot_can_count_check",
    "shot_confirm",
    "shot_correct_by_staff",
    "shot_create_from_photo",
    "shot_create_manual",
    "shot_delete",
    "shot_exclude",
    "shot_include",
    "shot_update",
    "shot_verify",
    "shots_requeue_stuck",
    "stuck_shots_reclaim",
    "unreadable_shot_discard",
    "unreadable_shots_discard_abandoned",
]
