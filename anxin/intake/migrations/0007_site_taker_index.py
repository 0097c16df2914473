"""Staff performance reads a month's contacts per taker, and their handling time, from the index alone."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_language_skills'),
        ('customers', '0004_tier_permission'),
        ('intake', '0006_site_time_index'),
        ('workorders', '0017_site_newest_taker'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='contactlog',
            index=models.Index(fields=['site', 'received_at', 'taker', 'work_order', 'done_at'], name='contactlog_site_taker'),
        ),
        migrations.RemoveIndex(
            model_name='contactlog',
            name='contactlog_site_time',
        ),
    ]
