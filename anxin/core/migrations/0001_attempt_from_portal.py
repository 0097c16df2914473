"""The throttle counts move from portal to core (issue 15): accounts and core count log-in failures and public
requests too, and must not import the portal. The rows stay (state created on the old table, which is then
renamed with its index); portal.0002 drops portal's state without touching the database."""

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="core", model="attempt").exists():
        ContentType.objects.filter(app_label="portal", model="attempt").update(app_label="core")


def back_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="portal", model="attempt").exists():
        ContentType.objects.filter(app_label="core", model="attempt").update(app_label="portal")


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Attempt",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("scope", models.CharField(max_length=30)),
                        ("key", models.CharField(max_length=80)),
                        ("created_at", models.DateTimeField()),
                    ],
                    options={
                        "indexes": [models.Index(fields=["scope", "key", "created_at"], name="portal_attempt_key")],
                        "db_table": "portal_attempt",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="attempt", table=None),  # portal_attempt → core_attempt, rows and all
        migrations.RenameIndex(model_name="attempt", new_name="core_attempt_key", old_name="portal_attempt_key"),
        migrations.RunPython(move_content_type, back_content_type),
    ]
