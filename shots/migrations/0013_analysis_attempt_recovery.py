# Recovery of analyses after a worker crash, and retries spread over time
# (shots.services.pipeline): the attempt's lease and the next attempt's due time
# on the shot, the "retry_later" status, the "started" and "interrupted" outcomes,
# and the answer each attempt records before it writes anything else.
#
# Nullable columns without a default and new choices are catalogue changes on
# PostgreSQL (no table rewrite). The sweeper's partial index on retries that are
# due is built CONCURRENTLY there, hence atomic = False; SQLite builds it plainly.

import importlib

from django.db import migrations, models

AddIndexConcurrentlyOnPostgres = importlib.import_module(
    "shots.migrations.0011_unreadable_photos"
).AddIndexConcurrentlyOnPostgres

STATUS_CHOICES = [
    ("received", "Received"),
    ("queued", "Queued"),
    ("analyzing", "Analysing"),
    ("analyzed", "Analysed"),
    ("needs_review", "Needs review"),
    ("failed", "Failed"),
    ("confirmed", "Confirmed"),
    ("unreadable", "No numbers found"),
    ("retry_later", "Will try again"),
]
OUTCOME_CHOICES = [
    ("analyzed", "Analysed"),
    ("needs_review", "Needs review"),
    ("failed", "Failed"),
    ("retry", "Will retry"),
    ("unreadable", "No numbers found"),
    ("started", "Started"),
    ("interrupted", "Interrupted"),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("shots", "0012_unique_photo_per_golfer"),
    ]

    operations = [
        migrations.AddField(
            model_name="shot",
            name="analysis_due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="shot",
            name="analysis_lease_until",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="shotanalysis",
            name="output",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="shot",
            name="status",
            field=models.CharField(choices=STATUS_CHOICES, default="received", max_length=14),
        ),
        migrations.AlterField(
            model_name="shotanalysis",
            name="outcome",
            field=models.CharField(choices=OUTCOME_CHOICES, max_length=14),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="shot",
            index=models.Index(
                condition=models.Q(("status", "retry_later")),
                fields=["analysis_due_at"],
                name="shot_retry_due",
            ),
        ),
    ]
