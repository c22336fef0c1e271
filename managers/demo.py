"""The managers part of the demo company (called by manage.py seed_demo, in dependency order)."""

from __future__ import annotations

import random
from typing import TextIO

from django.contrib.auth.models import User


def seed(*, rng: random.Random, users: dict[str, User], stdout: TextIO) -> None:
    """Create this app's demo data; a re-run with the same seed creates nothing new."""
