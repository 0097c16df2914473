"""The dispatch board reads its waiting field orders, most urgent first, from an index of their own (issue 14)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_language_skills'),
        ('customers', '0005_preferred_channel'),
        ('workorders', '0019_queue_type_status_and_chased'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(condition=models.Q(('status__in', ('new', 'accepted', 'scheduled')), ('type__in', ['repair', 'installation', 'maintenance', 'service_request'])), fields=['site', '-is_emergency', '-priority', 'received_at'], name='wo_site_dispatchable'),
        ),
    ]
