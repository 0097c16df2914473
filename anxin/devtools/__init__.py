"""Tools for people working on Anxin, not for the service desk: the demo company (`demo.py`, `loaddemo`), the
benchmark harness (`bench.py`: bench databases, gunicorn for HTTP benches), the soak test (`soak.py`) and the
test personas (`testing/`). May import any app; no app imports it (import-linter contract in pyproject.toml)."""
