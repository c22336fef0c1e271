"""The admin index's warning of messages that could not be sent."""

from __future__ import annotations

from django import template

from notifications.selectors import deliveries_failed

register = template.Library()


@register.simple_tag
def failed_deliveries_count() -> int:
    return deliveries_failed().count()
