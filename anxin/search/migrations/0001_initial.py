from django.db import migrations, models

from anxin.search import index


def create_fulltext(apps, schema_editor):
    index.create(schema_editor)


def drop_fulltext(apps, schema_editor):
    index.drop(schema_editor)


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("order", "Work order"), ("customer", "Customer"),
                                                   ("article", "Article"), ("case", "Case")], max_length=10)),
                ("object_id", models.PositiveBigIntegerField()),
                ("site_id", models.PositiveIntegerField(null=True)),
                ("owner_id", models.PositiveIntegerField(null=True)),
                ("audience", models.CharField(blank=True, max_length=10)),
                ("title", models.CharField(max_length=200)),
                ("text", models.TextField(blank=True)),
                ("head_tokens", models.TextField(blank=True)),
                ("tokens", models.TextField(blank=True)),
                ("keys", models.TextField(blank=True)),
                ("url", models.CharField(max_length=200)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"constraints": [models.UniqueConstraint(fields=("kind", "object_id"), name="search_entry_once")]},
        ),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=30, unique=True, verbose_name="word")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"ordering": ["word"], "verbose_name": "search term", "verbose_name_plural": "search terms"},
        ),
        migrations.RunPython(create_fulltext, drop_fulltext),
    ]
