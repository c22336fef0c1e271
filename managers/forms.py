"""Forms of the managers app; they only collect input, the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from managers.models import AccountManager, Grade, GradeChange
from managers.services import supervisor_validate


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


class AccountManagerAdminForm(forms.ModelForm):
    """The admin's manager form: the supervisor rule needs the grades, so the form asks the service."""

    class Meta:
        model = AccountManager
        fields = (
            "user",
            "employee_no",
            "department",
            "supervisor",
            "status",
            "hire_date",
            "education",
            "years_experience",
            "good_ethics",
            "bad_business_record",
            "healthy",
        )

    def clean(self) -> dict[str, object]:
        cleaned_data = super().clean()
        supervisor = cleaned_data.get("supervisor")
        if supervisor is not None:
            supervisor_validate(manager=self.instance, supervisor=supervisor)
        return cleaned_data
