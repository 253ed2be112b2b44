# The unique (golfer, import_fingerprint) index behind "re-importing creates nothing
# twice", built without locking the shots table on PostgreSQL.
#
# CREATE UNIQUE INDEX CONCURRENTLY cannot run in a transaction, hence atomic = False;
# SQLite (the embedded default) builds the same partial unique index plainly.

from django.db import migrations, models

CONSTRAINT = models.UniqueConstraint(
    condition=models.Q(("import_fingerprint", ""), _negated=True),
    fields=("golfer", "import_fingerprint"),
    name="unique_shot_import_fingerprint",
)


class AddUniqueConstraintConcurrentlyOnPostgres(migrations.AddConstraint):
    """``AddConstraint`` whose partial unique index is built CONCURRENTLY on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        name = schema_editor.quote_name(self.constraint.name)
        # An interrupted concurrent build leaves an INVALID index of the same name.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)",
                [name],
            )
            row = cursor.fetchone()
        if row and row[0]:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY {name}")
        sql = str(self.constraint.create_sql(model, schema_editor))
        schema_editor.execute(sql.replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX CONCURRENTLY", 1))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute(
            f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.constraint.name)}"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("shots", "0009_shot_imports"),
    ]

    operations = [
        AddUniqueConstraintConcurrentlyOnPostgres(model_name="shot", constraint=CONSTRAINT),
    ]
