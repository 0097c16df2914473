import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
application = get_wsgi_application()

# Build the search tokenizer (jieba's dictionary, OpenCC's tables: about 37 MiB) once here: gunicorn runs with
# --preload, so the workers share these pages with the master instead of each building its own copy on first
# search or create. No database connection is opened before the fork.
from anxin.core import text  # noqa: E402

text.warm()

# Likewise the URLconf: every view module, the admin and the API schema load here once, not on each worker's first
# request (a worker's first request took 15 MiB and 0.5 s of imports of its own).
from django.urls import get_resolver  # noqa: E402

get_resolver().resolve("/healthz")
