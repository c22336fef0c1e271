"""The benchmark's web server settings: the project's own, with one URL more (the framework's floor)."""

from config.settings import *  # noqa: F403 - the same settings, middleware and apps as production

ROOT_URLCONF = "bench.urls"
