"""Django set-up for the benchmark scripts, run outside manage.py."""

from __future__ import annotations

import os


def django_setup(*, debug: bool = False) -> None:
    """Configure Django from the environment; the benchmark runs with DEBUG off unless told otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DEBUG", "true" if debug else "false")
    # Only the benchmark's own processes on 127.0.0.1 use this key; sessions it signs never leave the machine.
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,testserver,localhost")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
    os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
    os.environ.setdefault("STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")
    import django

    django.setup()
