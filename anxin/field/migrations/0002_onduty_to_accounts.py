"""The duty roster now lives in accounts (accounts.0003 took over the table): only field's state goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("field", "0001_initial"),
        ("accounts", "0003_onduty_from_field"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="OnDuty")],
                                            database_operations=[]),
    ]
