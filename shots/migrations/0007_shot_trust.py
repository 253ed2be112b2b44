# Every shot gets a trust level (measured / typed / verified / excluded), which
# boards and events rank by. Existing rows are back-filled by the same rule the
# services apply, shots.trust.trust_level_for:
#
# - the rule reads is_excluded, verified_at, source and the "edited" flag, so
#   all rows but one kind are set with one UPDATE per combination of the first
#   three (a handful of statements, whatever the table's size);
# - the one kind is a photo the golfer confirmed: whether they changed what the
#   analyser read is only known by comparing the shot with its last reading, so
#   those rows are compared one by one, the changed metrics flagged "edited"
#   (as shot_update does from now on) and set typed.

from django.db import migrations, models
from django.utils import timezone

from shots.trust import EDITED_FLAG, ShotFacts, edited_metrics, trust_level_for

METRIC_NAMES = (
    "ball_speed",
    "club_speed",
    "smash_factor",
    "launch_angle",
    "launch_direction",
    "spin_rate",
    "spin_axis",
    "back_spin",
    "side_spin",
    "carry",
    "total",
    "carry_side",
    "total_side",
    "apex",
    "descent_angle",
    "attack_angle",
    "club_path",
    "face_angle",
    "face_to_path",
    "dynamic_loft",
    "hang_time",
)
SOURCES = ("photo", "manual", "csv", "api")
BATCH = 1000


def back_fill_trust(apps, schema_editor):
    Shot = apps.get_model("shots", "Shot")
    ShotAnalysis = apps.get_model("shots", "ShotAnalysis")
    db = schema_editor.connection.alias
    shots = Shot.objects.using(db)

    for source in SOURCES:
        for is_excluded in (True, False):
            for verified in (True, False):
                facts = ShotFacts(
                    is_excluded=is_excluded,
                    verified_at=timezone.now() if verified else None,
                    source=source,
                )
                shots.filter(
                    source=source, is_excluded=is_excluded, verified_at__isnull=not verified
                ).update(trust=trust_level_for(facts))

    confirmed_photo_ids = list(
        shots.filter(source="photo", status="confirmed").values_list("pk", flat=True)
    )
    for start in range(0, len(confirmed_photo_ids), BATCH):
        ids = confirmed_photo_ids[start : start + BATCH]
        readings: dict[int, dict] = {}
        for shot_id, values in (
            ShotAnalysis.objects.using(db)
            .filter(shot_id__in=ids, outcome__in=("analyzed", "needs_review"))
            .order_by("shot_id", "-created_at", "-id")
            .values_list("shot_id", "values")
        ):
            readings.setdefault(shot_id, values)  # the last reading of each shot
        changed = []
        for shot in shots.filter(pk__in=ids):
            submitted = {name: getattr(shot, name) for name in METRIC_NAMES}
            edited = edited_metrics(read=readings.get(shot.pk) or {}, submitted=submitted)
            if not edited:
                continue
            flags = dict(shot.metric_flags or {})
            for name in edited:
                if EDITED_FLAG not in flags.get(name, []):
                    flags[name] = [*flags.get(name, []), EDITED_FLAG]
            shot.metric_flags = flags
            shot.trust = trust_level_for(shot)
            changed.append(shot)
        shots.bulk_update(changed, ["metric_flags", "trust"])


class Migration(migrations.Migration):
    dependencies = [
        ("shots", "0006_pipeline_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="shot",
            name="trust",
            field=models.CharField(
                choices=[
                    ("measured", "Measured"),
                    ("typed", "Typed"),
                    ("verified", "Verified"),
                    ("excluded", "Excluded"),
                ],
                default="typed",
                help_text="Measured, typed, verified by staff, or excluded; boards rank by it.",
                max_length=8,
            ),
        ),
        migrations.RunPython(back_fill_trust, migrations.RunPython.noop, elidable=True),
    ]
