"""The duty roster moves from field to accounts (issue 15): the staff's roster belongs with the staff.

The rows stay: the model's state is created here on the old table, which is then renamed; field.0002 drops
field's state without touching the database. The content type follows, so permissions granted on the roster
stay granted.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="accounts", model="onduty").exists():
        ContentType.objects.filter(app_label="field", model="onduty").update(app_label="accounts")


def back_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="field", model="onduty").exists():
        ContentType.objects.filter(app_label="accounts", model="onduty").update(app_label="field")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_token_scope_expiry"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("field", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OnDuty",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("day", models.DateField(verbose_name="day")),
                        ("kind", models.CharField(choices=[("night", "Night"), ("holiday", "Holiday")], max_length=10,
                                                  verbose_name="kind")),
                        ("technician", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                         related_name="+", to=settings.AUTH_USER_MODEL,
                                                         verbose_name="technician")),
                    ],
                    options={
                        "verbose_name": "on-duty shift",
                        "verbose_name_plural": "on-duty roster",
                        "ordering": ["day", "kind"],
                        "constraints": [models.UniqueConstraint(fields=("technician", "day", "kind"),
                                                                name="onduty_unique")],
                        "db_table": "field_onduty",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="onduty", table=None),  # field_onduty → accounts_onduty, rows and all
        migrations.RunPython(move_content_type, back_content_type),
    ]
