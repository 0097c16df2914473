# Tables only: the triggers come after every migrate (reports/rollup_triggers.py).

from django.db import migrations, models

from anxin.reports.rollup_triggers import rollup_triggers_drop_for_migration


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0006_revisit_rollups'),
    ]

    operations = [
        migrations.CreateModel(
            name='AgentScoreRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('site_id', models.IntegerField()),
                ('day', models.DateField()),
                ('type', models.CharField(max_length=20)),
                ('person_id', models.IntegerField()),
                ('scores', models.IntegerField(default=0)),
                ('score_sum', models.IntegerField(default=0)),
                ('complaints', models.IntegerField(default=0)),
                ('merged', models.BooleanField(default=False)),
            ],
            options={
                'indexes': [models.Index(fields=['site_id', 'day'], name='rollup_agentscore_site_day'), models.Index(condition=models.Q(('merged', False)), fields=['id'], name='rollup_agentscore_unmerged')],
            },
        ),
        migrations.CreateModel(
            name='TechnicianScoreRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('site_id', models.IntegerField()),
                ('day', models.DateField()),
                ('type', models.CharField(max_length=20)),
                ('person_id', models.IntegerField()),
                ('scores', models.IntegerField(default=0)),
                ('score_sum', models.IntegerField(default=0)),
                ('complaints', models.IntegerField(default=0)),
                ('merged', models.BooleanField(default=False)),
            ],
            options={
                'indexes': [models.Index(fields=['site_id', 'day'], name='rollup_techscore_site_day'), models.Index(condition=models.Q(('merged', False)), fields=['id'], name='rollup_techscore_unmerged')],
            },
        ),
        migrations.RunPython(migrations.RunPython.noop, rollup_triggers_drop_for_migration),  # back: no trigger left behind
    ]
