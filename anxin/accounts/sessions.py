"""Django's database sessions, with the read every request makes compiled once per process (core.compiled)."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from anxin.core.compiled import A_MOMENT, A_TEXT, CompiledRead

_live = CompiledRead(lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now),
                     A_TEXT, A_MOMENT)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        session = _live.first(self.session_key, timezone.now()) if self.session_key else None
        if session is None:
            self._session_key = None
        return session
