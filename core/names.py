"""How a person's name is written for a reader: the one helper every page, export, e-mail and admin list uses."""

from __future__ import annotations

import re

from django.utils import translation

# Han characters (and the middle dot of transliterated names): a name written this way reads family name first,
# with no space, whatever the reader's language.
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u00b7\u30fb]")


def chinese_reader() -> bool:
    """The active language is Chinese."""
    return (translation.get_language() or "").lower().startswith("zh")


def person_name(first: str, last: str, *, chinese_reader: bool) -> str:
    """A person's name in the reader's order: a name written in Han characters family name first with no space
    (董子涵) in every language; a name in Latin letters family name first on a Chinese page (Zhang Hui) and given
    name first on an English one (Hui Zhang)."""
    first, last = (first or "").strip(), (last or "").strip()
    if not first or not last:
        return first or last
    if _CJK.search(first + last):
        return f"{last}{first}"
    return f"{last} {first}" if chinese_reader else f"{first} {last}"


def display_name(user: object) -> str:
    """A user's name (given name in first_name, family name in last_name) in the active language's order; the
    username when the user has no name."""
    first = getattr(user, "first_name", "")
    last = getattr(user, "last_name", "")
    return person_name(first, last, chinese_reader=chinese_reader()) or user.get_username()
