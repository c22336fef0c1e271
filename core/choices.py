"""Choices shared across apps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClientTier(models.TextChoices):
    """The 80/20 tiers of clients (核心客户 / 重点客户 / 普通客户); the grades say which they may serve."""

    CORE = "core", _("core client")
    KEY = "key", _("key client")
    ORDINARY = "ordinary", _("ordinary client")
