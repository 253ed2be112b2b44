# One shot per (golfer, original photo): the unique index behind the photo-hash
# look-up in shots.services.uploads, which two uploads of one photo at the same
# moment could both pass.
#
# Shots made twice before this index existed all stay (no uploaded shot is ever
# lost); the later ones only stop answering for the photo (image_sha256 = ""),
# as the look-up already answered with the first. The index is built CONCURRENTLY
# on PostgreSQL, which cannot run in a transaction, hence atomic = False; should a
# duplicate slip in between the two steps (an old web process still serving), the
# build fails and leaves an INVALID index, which running `migrate` again drops and
# rebuilds after clearing the newcomer. SQLite builds the index plainly.

import importlib

from django.db import migrations, models

AddUniqueConstraintConcurrentlyOnPostgres = importlib.import_module(
    "shots.migrations.0010_import_fingerprint_unique"
).AddUniqueConstraintConcurrentlyOnPostgres

CONSTRAINT = models.UniqueConstraint(
    condition=models.Q(("image_sha256", ""), _negated=True),
    fields=("golfer", "image_sha256"),
    name="unique_shot_photo",
)

# Window functions: PostgreSQL, and SQLite 3.25+ (every supported Python ships newer).
KEEP_FIRST_OF_EACH_PHOTO = """
UPDATE shots_shot SET image_sha256 = ''
WHERE id IN (
    SELECT id FROM (
        SELECT id, ROW_NUMBER() OVER (
            PARTITION BY golfer_id, image_sha256 ORDER BY created_at, id
        ) AS copy_number
        FROM shots_shot
        WHERE image_sha256 <> ''
    ) AS photos
    WHERE copy_number > 1
)
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("shots", "0011_unreadable_photos"),
    ]

    operations = [
        migrations.RunSQL(KEEP_FIRST_OF_EACH_PHOTO, reverse_sql=migrations.RunSQL.noop),
        AddUniqueConstraintConcurrentlyOnPostgres(model_name="shot", constraint=CONSTRAINT),
    ]
