"""The throttle counts now live in core (core.0001 took over the table): only portal's state goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("core", "0001_attempt_from_portal"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Attempt")],
                                            database_operations=[]),
    ]
