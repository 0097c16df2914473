"""Run by hand: `make bench` or `.venv/bin/anxin bench-workorders [--orders N] [--creates N]`.

Loads N work orders into a throw-away database and prints p50/p95 of the queue and order pages
and the API creation rate through the production server (gunicorn) on this machine.
"""

import sys

from anxin.cli import main

if __name__ == "__main__":
    main(["bench-workorders", *sys.argv[1:]])
