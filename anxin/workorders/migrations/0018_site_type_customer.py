"""The queue's type index also carries the customer: repeat complaints read from it alone."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_language_skills'),
        ('customers', '0005_preferred_channel'),
        ('workorders', '0017_site_newest_taker'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(fields=['site', 'type', '-received_at', '-id', 'customer'], name='wo_site_type_customer'),
        ),
        migrations.RemoveIndex(
            model_name='workorder',
            name='wo_site_type_newest',
        ),
    ]
