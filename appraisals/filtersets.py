"""Filters of the appraisal's list pages."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from appraisals.models import Appraisal
from core.filters import OrderingFilter
from managers.models import Department, Grade

# The columns a results table sorts by: (model field, the parameter in the address), with their labels.
RESULT_ORDERING_FIELDS = (
    ("rank", "rank"),
    ("manager__employee_no", "manager"),
    ("manager__department__name", "department"),
    ("grade__rank", "grade"),
    ("performance_score", "performance"),
    ("behaviour_score", "behaviour"),
    ("ability_score", "ability"),
    ("spot_check_effect", "spot_check"),
    ("total_score", "total"),
)
RESULT_ORDERING_LABELS = {
    "rank": _("rank"),
    "manager__employee_no": _("account manager"),
    "manager__department__name": _("department"),
    "grade__rank": _("grade"),
    "performance_score": _("performance"),
    "behaviour_score": _("behaviour"),
    "ability_score": _("ability"),
    "spot_check_effect": _("spot-check effect"),
    "total_score": _("total score"),
}


def _result_ordering(*, with_rank: bool) -> OrderingFilter:
    fields = RESULT_ORDERING_FIELDS if with_rank else RESULT_ORDERING_FIELDS[1:]
    return OrderingFilter(label=_("sort by"), fields=fields, field_labels=RESULT_ORDERING_LABELS)


class CycleResultsFilterSet(django_filters.FilterSet):
    """A cycle's ranking by the grade held at the end of the period, and by department; sortable by its columns."""

    grade = django_filters.ModelChoiceFilter(label=_("grade"), queryset=Grade.objects.all())
    department = django_filters.ModelChoiceFilter(
        label=_("department"), field_name="manager__department", queryset=Department.objects.all()
    )
    ordering = _result_ordering(with_rank=True)

    class Meta:
        model = Appraisal
        fields = ["grade", "department"]


class LineResultsFilterSet(django_filters.FilterSet):
    """My line's results, sortable by their columns."""

    ordering = _result_ordering(with_rank=False)

    class Meta:
        model = Appraisal
        fields: list[str] = []
