"""The queue's type + status filter and its chased orders read an index of their own (issue 14)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_language_skills'),
        ('customers', '0005_preferred_channel'),
        ('workorders', '0018_site_type_customer'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(fields=['site', 'type', 'status', '-received_at', '-id'], name='wo_site_type_status'),
        ),
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(condition=models.Q(('urge_count__gt', 0)), fields=['site', '-received_at', '-id'], name='wo_site_chased'),
        ),
    ]
