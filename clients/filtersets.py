"""Filters of the "My clients" list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Interaction
from core.choices import ClientTier
from core.filters import OrderingFilter

NOT_CONTACTED_CHOICES = [
    ("30", _("not contacted for 30 days")),
    ("60", _("not contacted for 60 days")),
    ("90", _("not contacted for 90 days")),
    ("180", _("not contacted for 180 days")),
]


class ClientFilterSet(django_filters.FilterSet):
    """Tier, status, industry, last contact and a search over name and registration code."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    tier = django_filters.ChoiceFilter(label=_("tier"), choices=ClientTier.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=Client.Status.choices)
    # A free value rather than a ChoiceFilter: the options shown come from the user's own clients, and filtering
    # needs no query to validate them.
    industry = django_filters.CharFilter(label=_("industry"), field_name="industry", widget=forms.Select)
    not_contacted = django_filters.ChoiceFilter(
        label=_("last contact"), choices=NOT_CONTACTED_CHOICES, method="filter_not_contacted"
    )
    ordering = OrderingFilter(
        label=_("sort by"),
        fields=(
            ("name", "name"),
            ("tier", "tier"),
            ("last_interaction", "last_interaction"),
            ("volume_this_year", "volume"),
        ),
        field_labels={
            "name": _("name"),
            "tier": _("tier"),
            "last_interaction": _("last interaction"),
            "volume_this_year": _("volume this year"),
        },
    )

    class Meta:
        model = Client
        fields: list[str] = []

    def __init__(self, *args: object, industries: Iterable[str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        options = [("", _("any industry"))] + [(name, name) for name in industries or ()]
        self.filters["industry"].extra["widget"] = forms.Select(choices=options)

    def filter_search(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(registration_code__icontains=value))

    def filter_not_contacted(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        """Clients with no interaction in the last N days, including those never contacted."""
        cutoff = timezone.localdate() - dt.timedelta(days=int(value))
        recent = Interaction.objects.counting().filter(client=OuterRef("pk"), date__gt=cutoff)
        return queryset.filter(~Exists(recent))
