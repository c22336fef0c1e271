"""How the pages write numbers, money, dates and people's names, in the reader's language: one set of filters, so
that a figure looks the same on every page.

    {{ statement.total|money:statement.currency }}  ¥14,220.70 (zh-hans) / CNY 14,220.70 (en)
    {{ client.volume|number }}                      1,458,832.30 (grouped thousands in both languages)
    {{ assignment.start|day }}                      2026-07-20
    {{ run.started_at|when }}                       2026-07-20 14:33 (in the site's time zone)
    {{ manager|person }}                            董子涵 / Zhang Hui (zh-hans), Hui Zhang (en)
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone

from core.names import chinese_reader, display_name

register = template.Library()

EMPTY = "—"
# The symbol a Chinese reader expects; an English page spells the ISO code, which cannot be misread as yen.
CURRENCY_SYMBOLS_ZH = {"CNY": "¥"}


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def number(value: object, places: int = 2) -> str:
    """A number with grouped thousands and a fixed count of decimals, rounded half up: 1,234.56."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY
    places = int(places)
    quantum = Decimal(1).scaleb(-places)
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


@register.filter
def money(value: object, currency: str = "CNY") -> str:
    """An amount of money to the cent: ¥1,234.56 on a Chinese page, CNY 1,234.56 on an English one."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY
    currency = (currency or "CNY").upper()
    figure = number(abs(amount))
    sign = "-" if amount < 0 and figure != "0.00" else ""
    symbol = CURRENCY_SYMBOLS_ZH.get(currency) if chinese_reader() else None
    if symbol:
        return f"{sign}{symbol}{figure}"
    return f"{currency} {sign}{figure}"


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """A date as 2026-07-20 in every language (a datetime first in the site's time zone)."""
    if not value:
        return EMPTY
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.isoformat()


@register.filter
def month(value: dt.date | None) -> str:
    """A month as 2026-07 in every language."""
    return f"{value.year:04d}-{value.month:02d}" if value else EMPTY


@register.filter
def when(value: dt.datetime | None) -> str:
    """A moment as 2026-07-20 14:33, in the site's time zone, in every language."""
    if not value:
        return EMPTY
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M")


@register.filter
def person(value: object) -> str:
    """The name of a user, or of anyone with a ``user`` (an account manager, an assistant), in the reader's order;
    the username when the user has no name."""
    if value is None or value == "":
        return EMPTY
    user = getattr(value, "user", value)
    if not hasattr(user, "first_name"):
        return str(value)
    return display_name(user)
