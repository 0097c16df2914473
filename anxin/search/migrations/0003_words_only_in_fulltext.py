"""The words leave the entry table (the full-text half holds them); FTS5 without word positions (detail=column)."""

from django.db import migrations

from anxin.search import index

OLD_TABLE = ("CREATE VIRTUAL TABLE {name} USING fts5(head, body, keys, kind UNINDEXED, site UNINDEXED, "
             "owner UNINDEXED, audience UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')")
COPY = ("INSERT INTO {new} (rowid, head, body, keys, kind, site, owner, audience) "
        "SELECT rowid, head, body, keys, kind, site, owner, audience FROM search_fts")


def _rebuild(schema_editor, table: str) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(table.format(name="search_fts_next"))
    schema_editor.execute(COPY.format(new="search_fts_next"))
    schema_editor.execute("DROP TABLE search_fts")
    schema_editor.execute("ALTER TABLE search_fts_next RENAME TO search_fts")


def forwards(apps, schema_editor):
    _rebuild(schema_editor, index.SQLITE_TABLE.replace("IF NOT EXISTS ", ""))


def backwards(apps, schema_editor):
    _rebuild(schema_editor, OLD_TABLE)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_classifier")]

    operations = [
        migrations.RemoveField(model_name="searchentry", name="head_tokens"),
        migrations.RemoveField(model_name="searchentry", name="tokens"),
        migrations.RemoveField(model_name="searchentry", name="keys"),
        migrations.RunPython(forwards, backwards),
    ]
