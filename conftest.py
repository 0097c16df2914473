import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.LANGUAGE_CODE = "zh-hans"
    from anxin.core.choices import forget_all

    forget_all()  # a rolled-back test's categories must not be shown to the next one


@pytest.fixture
def world(db):
    from anxin.devtools.testing.personas import build_world

    return build_world()


@pytest.fixture
def client_for(client):
    """Log a persona in: client_for(world.agent_a)."""

    def login(user):
        client.force_login(user)
        return client

    return login
