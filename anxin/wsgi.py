import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
application = get_wsgi_application()

# Build the search tokenizer (jieba's dictionary, OpenCC's tables: about 37 MiB) once here: gunicorn runs with
# --preload, so the workers share these pages with the master instead of each building its own copy on first
# search or create. No database connection is opened before the fork.
from anxin.core import text  # noqa: E402

text.warm()
