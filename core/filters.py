"""Filters the apps' filter sets share."""

from __future__ import annotations

from collections.abc import Mapping

import django_filters
from django.forms.utils import pretty_name
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class OrderingFilter(django_filters.OrderingFilter):
    """Sort options in the reader's language: django-filter formats "name (descending)" once, when the filter set
    class is defined, in the language active then."""

    def build_choices(self, fields: Mapping[str, str], labels: Mapping[str, str | Promise]) -> list[tuple[str, object]]:
        choices: list[tuple[str, object]] = []
        for field, param in fields.items():
            label = labels.get(field, pretty_name(param))
            descending = labels.get(f"-{param}", format_lazy(_("{label} (descending)"), label=label))
            choices += [(param, label), (f"-{param}", descending)]
        return choices
