"""gunicorn runs with --preload: the WSGI module is imported in the master, before the workers fork."""

import subprocess
import sys

CHECK = """
import anxin.wsgi
from django.db import connections
from anxin.core import text
opened = [c.alias for c in connections.all(initialized_only=True) if c.connection is not None]
assert not opened, opened  # a connection made before the fork would be shared by every worker
assert "segmenter" in text._state and "t2s" in text._state  # built once, shared by the workers
import rjieba
assert text._state["segmenter"] is rjieba._DEFAULT_JIEBA  # importing rjieba builds one dictionary: not a second
print("ok")
"""


def test_importing_the_wsgi_module_builds_the_tokenizer_and_opens_no_database_connection(tmp_path):
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "ANXIN_VAR_DIR": str(tmp_path)})
    assert result.stdout.strip() == "ok", result.stderr
