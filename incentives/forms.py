"""Forms of pay: the correction HR enters for an approved statement."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from incentives.models import PayPeriod, PayStatement


class PayAdjustmentForm(forms.Form):
    """The differences to pay (positive) or recover (negative) for an approved statement, and why."""

    base_salary = forms.DecimalField(label=_("base salary difference"), max_digits=12, decimal_places=2, initial=0)
    performance_pay = forms.DecimalField(
        label=_("performance pay difference"), max_digits=12, decimal_places=2, initial=0
    )
    behaviour_component = forms.DecimalField(
        label=_("behaviour component difference"), max_digits=12, decimal_places=2, initial=0
    )
    reason = forms.CharField(label=_("reason for the correction"), widget=forms.Textarea(attrs={"rows": 3}))
    period = forms.ModelChoiceField(
        label=_("pay period that carries the correction"),
        queryset=PayPeriod.objects.none(),
        required=False,
        help_text=_("Left empty, the statement's own period (it must not have been exported)."),
    )

    def __init__(self, *args: object, statement: PayStatement, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.statement = statement
        self.fields["period"].queryset = PayPeriod.objects.exclude(state=PayPeriod.State.EXPORTED).filter(
            start__gte=statement.period.start
        )

    def amounts(self) -> dict[str, Decimal]:
        return {
            name: self.cleaned_data[name] or Decimal("0")
            for name in ("base_salary", "performance_pay", "behaviour_component")
        }
