# Tables only: the triggers come after every migrate (reports/rollup_triggers.py).

from django.db import migrations, models

from anxin.reports.rollup_triggers import rollup_triggers_drop_for_migration


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0007_person_score_rollups'),
    ]

    operations = [
        migrations.CreateModel(
            name='TechnicianArrivalRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('site_id', models.IntegerField()),
                ('day', models.DateField()),
                ('type', models.CharField(max_length=20)),
                ('person_id', models.IntegerField()),
                ('arrivals', models.IntegerField(default=0)),
                ('on_time', models.IntegerField(default=0)),
                ('merged', models.BooleanField(default=False)),
            ],
            options={
                'indexes': [models.Index(fields=['site_id', 'day'], name='rollup_arrival_site_day'), models.Index(condition=models.Q(('merged', False)), fields=['id'], name='rollup_arrival_unmerged')],
            },
        ),
        migrations.RunPython(migrations.RunPython.noop, rollup_triggers_drop_for_migration),  # back: no trigger left behind
    ]
