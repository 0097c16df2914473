"""Derived copies (the search index) follow the services' writes without the services knowing about them.

A service that writes a record others keep a copy of calls `changed(kind, *ids)` inside its transaction; the
search app listens and re-indexes in the same transaction, so the index is never behind and rolls back with it.
"""

from django.dispatch import Signal

record_changed = Signal()  # sender: the kind ("workorder", "customer", "article", "case"); ids: primary keys


def changed(kind: str, *ids: int | None) -> None:
    wanted = [i for i in ids if i]
    if wanted:
        record_changed.send(sender=kind, ids=wanted)
