# Photos with no launch-monitor numbers (status and analysis outcome "unreadable"),
# the analyser's confidence on each analysis, and the index the sweeper's clean-up of
# abandoned unreadable photos reads.
#
# The choices change no column. Adding a JSON column with a constant default is a
# catalogue change on PostgreSQL 11+ (no table rewrite). The partial index is built
# CONCURRENTLY there, which cannot run in a transaction, hence atomic = False;
# SQLite (the embedded default) builds it plainly.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

STATUS_CHOICES = [
    ("received", "Received"),
    ("queued", "Queued"),
    ("analyzing", "Analysing"),
    ("analyzed", "Analysed"),
    ("needs_review", "Needs review"),
    ("failed", "Failed"),
    ("confirmed", "Confirmed"),
    ("unreadable", "No numbers found"),
]
OUTCOME_CHOICES = [
    ("analyzed", "Analysed"),
    ("needs_review", "Needs review"),
    ("failed", "Failed"),
    ("retry", "Will retry"),
    ("unreadable", "No numbers found"),
]


class AddIndexConcurrentlyOnPostgres(migrations.AddIndex):
    """``AddIndexConcurrently`` on PostgreSQL, a plain ``AddIndex`` elsewhere (as in 0004)."""

    def _operation_for(self, schema_editor) -> migrations.AddIndex:
        if schema_editor.connection.vendor == "postgresql":
            self._drop_invalid_leftover(schema_editor)
            return AddIndexConcurrently(self.model_name, self.index)
        return migrations.AddIndex(self.model_name, self.index)

    def _drop_invalid_leftover(self, schema_editor) -> None:
        # An interrupted concurrent build leaves an INVALID index of the same name.
        name = schema_editor.quote_name(self.index.name)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [name]
            )
            row = cursor.fetchone()
        if row and row[0]:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY {name}")

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._operation_for(schema_editor).database_forwards(
            app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._operation_for(schema_editor).database_backwards(
            app_label, schema_editor, from_state, to_state
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("shots", "0010_import_fingerprint_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="shotanalysis",
            name="confidence",
            field=models.JSONField(blank=True, default=dict),
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
                condition=models.Q(("status", "unreadable")),
                fields=["updated_at"],
                name="shot_unreadable_age",
            ),
        ),
    ]
