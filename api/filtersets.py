"""The query filters of each list of the API (django-filter); they narrow what the selectors let the user see."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from appraisals.models import Appraisal, AppraisalCycle, Rating, SpotCheckDraw
from clients.models import Assignment, BusinessRecord, Client, Contact, Interaction
from incentives.models import PayStatement
from managers.models import Target

MAX_ID = 2**63 - 1


class IdFilter(django_filters.Filter):
    """An object id: a plain integer, never checked against the table (an id the user may not see filters to
    nothing, as one that does not exist)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        # Within the database's id range: a larger number is refused (400), never sent to the database.
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ClientFilter(django_filters.FilterSet):
    current_manager = IdFilter(field_name="current_manager_id")
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=200)

    class Meta:
        model = Client
        fields = ["tier", "status", "size", "industry", "current_manager"]

    def filter_search(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(registration_code__icontains=value))


class ContactFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id")

    class Meta:
        model = Contact
        fields = ["client", "is_primary"]


class AssignmentFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id")
    manager = IdFilter(field_name="manager_id")
    open = django_filters.BooleanFilter(label=_("open"), field_name="end", lookup_expr="isnull")

    class Meta:
        model = Assignment
        fields = ["client", "manager"]


class InteractionFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id")
    manager = IdFilter(field_name="manager_id")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Interaction
        fields = ["client", "manager", "kind"]


class BusinessRecordFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id")
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte")
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte")
    client_code = django_filters.CharFilter(field_name="client__registration_code", max_length=50)

    class Meta:
        model = BusinessRecord
        fields = ["client", "month"]


class TargetFilter(django_filters.FilterSet):
    manager = IdFilter(field_name="manager_id")

    class Meta:
        model = Target
        fields = ["manager", "horizon"]


class AppraisalFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    manager = IdFilter(field_name="manager_id")

    class Meta:
        model = Appraisal
        fields = ["cycle", "manager", "band"]


class RatingFilter(django_filters.FilterSet):
    submitted = django_filters.BooleanFilter(
        label=_("submitted"), field_name="submitted_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Rating
        fields = ["rater_type"]


class CycleFilter(django_filters.FilterSet):
    class Meta:
        model = AppraisalCycle
        fields = ["state", "kind"]


class SpotCheckDrawFilter(django_filters.FilterSet):
    policy = IdFilter(field_name="policy_id")

    class Meta:
        model = SpotCheckDraw
        fields = ["policy"]


class PayStatementFilter(django_filters.FilterSet):
    period = IdFilter(field_name="period_id")
    manager = IdFilter(field_name="manager_id")
    period_code = django_filters.CharFilter(field_name="period__code", max_length=20)

    class Meta:
        model = PayStatement
        fields = ["period", "manager", "state", "kind"]
