"""Filters of the "My clients" list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Interaction
from core.choices import ClientTier
from core.filters import OrderingFilter
from managers.models import AccountManager

NOT_CONTACTED_CHOICES = [
    ("30", _("not contacted for 30 days")),
    ("60", _("not contacted for 60 days")),
    ("90", _("not contacted for 90 days")),
    ("180", _("not contacted for 180 days")),
]


class ClientFilterSet(django_filters.FilterSet):
    """Tier, status, industry, last contact, a search over name and registration code, and whose clients: the
    user's own only, or one manager of those the user may see."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    mine = django_filters.BooleanFilter(
        label=_("only my own clients"), method="filter_mine", widget=forms.CheckboxInput
    )
    # The options are set per user (ClientFilterSet(managers=...)), so an id outside them is a form error.
    manager = django_filters.ModelChoiceFilter(
        label=_("account manager"),
        field_name="current_manager",
        queryset=AccountManager.objects.none(),
        empty_label=_("any manager"),
    )
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
            ("industry", "industry"),
            ("current_manager__employee_no", "manager"),
            ("last_interaction", "last_interaction"),
            ("volume_this_year", "volume"),
        ),
        field_labels={
            "name": _("name"),
            "tier": _("tier"),
            "industry": _("industry"),
            "current_manager__employee_no": _("account manager"),
            "last_interaction": _("last interaction"),
            "volume_this_year": _("volume this year"),
        },
    )

    class Meta:
        model = Client
        fields: list[str] = []

    def __init__(
        self,
        *args: object,
        industries: Iterable[str] | Callable[[], Iterable[str]] | None = None,
        managers: QuerySet[AccountManager] | None = None,
        manager_by_number: bool = False,
        own_manager: AccountManager | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Read when the form is drawn, so an export that only filters does not query the industries.
        self.filters["industry"].extra["widget"] = forms.Select(
            choices=lambda: (
                [("", _("any industry"))]
                + [(name, name) for name in (industries() if callable(industries) else industries or ())]
            )
        )
        # Without managers to choose from (or the user's own manager row) the filter is not offered, and its
        # parameter is ignored: it can never reach beyond the queryset the filter set was given.
        if managers is None:
            del self.filters["manager"]
        else:
            self.filters["manager"].queryset = managers
        if manager_by_number:
            # Too many managers for a list to choose from (and to draw on every page): the number is typed instead.
            self.filters["manager"].extra.update(
                to_field_name="employee_no", widget=forms.TextInput(attrs={"placeholder": _("employee number")})
            )
        self.own_manager = own_manager
        if own_manager is None:
            del self.filters["mine"]

    def filter_search(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(registration_code__icontains=value))

    def filter_mine(self, queryset: QuerySet[Client], name: str, value: bool | None) -> QuerySet[Client]:
        """The clients the user serves now themselves, not those of the managers they supervise."""
        if not value or self.own_manager is None:
            return queryset
        return queryset.filter(current_manager=self.own_manager)

    def filter_not_contacted(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        """Clients with no interaction in the last N days, including those never contacted."""
        cutoff = timezone.localdate() - dt.timedelta(days=int(value))
        recent = Interaction.objects.counting().filter(client=OuterRef("pk"), date__gt=cutoff)
        return queryset.filter(~Exists(recent))
