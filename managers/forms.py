"""Forms of the managers app; they only collect input, the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from managers.models import Grade, GradeChange


class GradeChangeForm(forms.Form):
    """The intermediate form of the admin action "Change grade" (等级升降)."""

    to_grade = forms.ModelChoiceField(label=_("to grade"), queryset=Grade.objects.all())
    reason = forms.ChoiceField(label=_("reason"), choices=GradeChange.Reason.choices)
    effective_date = forms.DateField(
        label=_("effective date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
