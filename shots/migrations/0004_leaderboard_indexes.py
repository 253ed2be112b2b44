# Leaderboard indexes, built without locking the shots table on PostgreSQL.
#
# CREATE INDEX CONCURRENTLY cannot run in a transaction, hence atomic = False;
# SQLite (the embedded default) has neither the need nor the syntax, so the
# same migration builds the indexes plainly there.

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

COUNTED_AT_A_STORE = models.Q(
    ("has_rejected_values", False),
    ("is_excluded", False),
    ("status__in", ("analyzed", "confirmed")),
    models.Q(("club", ""), _negated=True),
    ("retailer__isnull", False),
)


class AddIndexConcurrentlyOnPostgres(migrations.AddIndex):
    """``AddIndexConcurrently`` on PostgreSQL, a plain ``AddIndex`` elsewhere."""

    def _operation_for(self, schema_editor) -> migrations.AddIndex:
        if schema_editor.connection.vendor == "postgresql":
            self._drop_invalid_leftover(schema_editor)
            return AddIndexConcurrently(self.model_name, self.index)
        return migrations.AddIndex(self.model_name, self.index)

    def _drop_invalid_leftover(self, schema_editor) -> None:
        # A concurrent build that was interrupted (a deploy timeout, a
        # cancelled statement) leaves an INVALID index of the same name behind,
        # and the next attempt would fail on it with "already exists".
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)",
                [schema_editor.quote_name(self.index.name)],
            )
            row = cursor.fetchone()
        if row and row[0]:
            schema_editor.execute(
                f"DROP INDEX CONCURRENTLY {schema_editor.quote_name(self.index.name)}"
            )

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
        ("retailers", "0002_staff_and_board_rules"),
        ("shots", "0003_shot_needing_review_proxy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # A store's board for one club, any period (leaderboards.selectors,
        # eligible_shots with a retailer and a club).
        AddIndexConcurrentlyOnPostgres(
            model_name="shot",
            index=models.Index(
                condition=COUNTED_AT_A_STORE,
                fields=["retailer", "club", "hit_at"],
                name="shot_board_store_club",
            ),
        ),
        # A store's board over any club for today, the week, month or year.
        AddIndexConcurrentlyOnPostgres(
            model_name="shot",
            index=models.Index(
                condition=COUNTED_AT_A_STORE,
                fields=["retailer", "hit_at"],
                name="shot_board_store_recent",
            ),
        ),
        # The all-stores board for one club, any period.
        AddIndexConcurrentlyOnPostgres(
            model_name="shot",
            index=models.Index(
                condition=COUNTED_AT_A_STORE,
                fields=["club", "hit_at"],
                name="shot_board_club_recent",
            ),
        ),
    ]
