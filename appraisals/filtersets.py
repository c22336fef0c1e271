"""Filters of the appraisal's list pages."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from appraisals.models import Appraisal
from managers.models import Department, Grade


class CycleResultsFilterSet(django_filters.FilterSet):
    """A cycle's ranking by the grade held at the end of the period, and by department."""

    grade = django_filters.ModelChoiceFilter(label=_("grade"), queryset=Grade.objects.all())
    department = django_filters.ModelChoiceFilter(
        label=_("department"), field_name="manager__department", queryset=Department.objects.all()
    )

    class Meta:
        model = Appraisal
        fields = ["grade", "department"]
