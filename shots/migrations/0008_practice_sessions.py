# Practice sessions (issue 12, item 4): the PracticeSession model, Shot.session, and a
# data migration that groups every existing shot by the 60-minute rule.

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q

# Frozen copies of shots.models.SESSION_GAP and the grouping in
# shots.services.sessions: a migration must not change when the app code does.
SESSION_GAP = timedelta(minutes=60)
GOLFERS_PER_CHUNK = 500
SHOTS_PER_CHUNK = 2000


def _golfer_sessions(Shot, db, golfer_id):
    """The golfer's shots as sessions [started, ended, count, retailer_id], read in chunks."""
    sessions = []
    after = None
    while True:
        rows = Shot.objects.using(db).filter(golfer_id=golfer_id)
        if after is not None:
            hit_at, pk = after
            rows = rows.filter(Q(hit_at__gt=hit_at) | Q(hit_at=hit_at, pk__gt=pk))
        chunk = list(
            rows.order_by("hit_at", "pk").values_list("pk", "hit_at", "retailer_id")[
                :SHOTS_PER_CHUNK
            ]
        )
        if not chunk:
            return sessions
        for _pk, hit_at, retailer_id in chunk:
            if sessions and hit_at - sessions[-1][1] <= SESSION_GAP:
                sessions[-1][1] = hit_at
                sessions[-1][2] += 1
            else:
                sessions.append([hit_at, hit_at, 1, retailer_id])
        after = (chunk[-1][1], chunk[-1][0])


def group_shots_into_sessions(apps, schema_editor):
    """Every golfer's shots into practice sessions: a gap over 60 minutes starts a new one."""
    Shot = apps.get_model("shots", "Shot")
    PracticeSession = apps.get_model("shots", "PracticeSession")
    db = schema_editor.connection.alias
    last_golfer_id = 0
    while True:
        golfer_ids = list(
            Shot.objects.using(db)
            .filter(golfer_id__gt=last_golfer_id)
            .order_by("golfer_id")
            .values_list("golfer_id", flat=True)
            .distinct()[:GOLFERS_PER_CHUNK]
        )
        if not golfer_ids:
            return
        for golfer_id in golfer_ids:
            for started_at, ended_at, count, retailer_id in _golfer_sessions(Shot, db, golfer_id):
                session = PracticeSession.objects.using(db).create(
                    golfer_id=golfer_id,
                    retailer_id=retailer_id,
                    started_at=started_at,
                    ended_at=ended_at,
                    shot_count=count,
                    kind="practice",
                )
                # Sessions are more than SESSION_GAP apart, so their time ranges
                # never overlap and one UPDATE by range assigns each.
                Shot.objects.using(db).filter(
                    golfer_id=golfer_id, hit_at__gte=started_at, hit_at__lte=ended_at
                ).update(session_id=session.pk)
        last_golfer_id = golfer_ids[-1]


class Migration(migrations.Migration):

    dependencies = [
        ('retailers', '0004_staff_invitations'),
        ('shots', '0007_shot_trust'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PracticeSession',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_at', models.DateTimeField(help_text='When its first shot was hit.')),
                ('ended_at', models.DateTimeField(help_text='When its last shot was hit.')),
                ('shot_count', models.PositiveIntegerField(default=0)),
                ('kind', models.CharField(choices=[('practice', 'Practice'), ('import', 'Imported file')], default='practice', max_length=8)),
                ('import_reference', models.CharField(blank=True, max_length=100)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('golfer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='practice_sessions', to=settings.AUTH_USER_MODEL)),
                ('retailer', models.ForeignKey(blank=True, help_text="Where the session's first shot was hit; empty for home practice.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='practice_sessions', to='retailers.retailer')),
            ],
            options={
                'ordering': ['-started_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='shot',
            name='session',
            field=models.ForeignKey(blank=True, help_text='The practice session the shot belongs to.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='shots', to='shots.practicesession'),
        ),
        migrations.AddIndex(
            model_name='practicesession',
            index=models.Index(fields=['golfer', '-started_at'], name='session_golfer_recent'),
        ),
        migrations.RunPython(group_shots_into_sessions, migrations.RunPython.noop, elidable=True),
    ]
