# Launch-monitor file imports (issue 13): the ShotImport model and the shot fields that
# tie a shot to its file. The unique fingerprint constraint is built concurrently in 0010.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('retailers', '0004_staff_invitations'),
        ('shots', '0008_practice_sessions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='shot',
            name='import_fingerprint',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.CreateModel(
            name='ShotImport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file_name', models.CharField(max_length=200)),
                ('file_size', models.PositiveIntegerField(default=0)),
                ('file_sha256', models.CharField(max_length=64)),
                ('content', models.BinaryField(help_text='The file, until it is imported.')),
                ('vendor', models.CharField(max_length=40)),
                ('file_format', models.CharField(max_length=40)),
                ('status', models.CharField(choices=[('preview', 'Waiting for confirmation'), ('importing', 'Importing'), ('imported', 'Imported'), ('failed', 'Failed')], default='preview', max_length=10)),
                ('units', models.JSONField(blank=True, default=dict)),
                ('clubs', models.JSONField(blank=True, default=dict)),
                ('session_started_at', models.DateTimeField(blank=True, null=True)),
                ('rows_to_import', models.PositiveIntegerField(default=0)),
                ('created_count', models.PositiveIntegerField(default=0)),
                ('duplicate_count', models.PositiveIntegerField(default=0)),
                ('error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('committed_at', models.DateTimeField(blank=True, null=True)),
                ('golfer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shot_imports', to=settings.AUTH_USER_MODEL)),
                ('retailer', models.ForeignKey(blank=True, help_text='Where the session was hit; empty for home practice.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='shot_imports', to='retailers.retailer')),
                ('session', models.ForeignKey(blank=True, help_text='The (first) session the import created.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='shots.practicesession')),
                ('uploaded_by', models.ForeignKey(blank=True, help_text="Who uploaded it: the golfer, or store staff on the golfer's behalf.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='shot',
            name='shot_import',
            field=models.ForeignKey(blank=True, db_index=False, help_text='The imported launch-monitor file the shot came from.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='shots', to='shots.shotimport'),
        ),
        migrations.AddIndex(
            model_name='shotimport',
            index=models.Index(fields=['golfer', '-created_at'], name='import_golfer_recent'),
        ),
    ]
