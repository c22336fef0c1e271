"""Forms of the appraisal's pages: a rating (by a rater or a sampled client) and an appeal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisals.models import Indicator
from appraisals.services.ratings import comment_field, value_field

# The 1–5 scale in the glossary's words (excellent / good / pass / fail); 2 lies between pass and fail.
SCALE_CHOICES = [
    (1, gettext_lazy("1 = fail")),
    (2, gettext_lazy("2 = needs improvement")),
    (3, gettext_lazy("3 = pass")),
    (4, gettext_lazy("4 = good")),
    (5, gettext_lazy("5 = excellent")),
]


@dataclass
class IndicatorRow:
    """One indicator's line of the rating form: its 1–5 scale and its comment."""

    indicator: Indicator
    value: forms.BoundField
    comment: forms.BoundField


@dataclass
class ErrorLink:
    """One entry of the error summary: the message and the id of the field it sends the reader to ("" for none)."""

    message: str
    target: str


class RatingForm(forms.Form):
    """A 1–5 choice and a comment per indicator, then an overall comment; the service checks the rules."""

    def __init__(self, *args: Any, indicators: Iterable[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[value_field(indicator.pk)] = forms.TypedChoiceField(
                label=f"{indicator.code} · {indicator.name} ({indicator.get_dimension_display()})",
                help_text=indicator.description,
                choices=SCALE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                # Missing values are reported by the service, naming the indicator.
                required=False,
            )
            self.fields[comment_field(indicator.pk)] = forms.CharField(
                label=_("Comment on %(code)s") % {"code": indicator.code},
                help_text=_("Required for a value of 1 or 5."),
                required=False,
                widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}),
            )
        self.fields["comment"] = forms.CharField(
            label=_("Overall comment"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        )

    def rows(self) -> list[IndicatorRow]:
        """The indicators in the template's order, each with its scale and comment fields (marked when in error)."""
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}_error"})
        return [IndicatorRow(i, self[value_field(i.pk)], self[comment_field(i.pk)]) for i in self.indicators]

    def error_links(self) -> list[ErrorLink]:
        """Every error, in the form's order, with the id of the input that fixes it (the first radio of a scale)."""
        links = [ErrorLink(str(message), "") for message in self.non_field_errors()]
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                target = self[name].auto_id
                if isinstance(field.widget, forms.RadioSelect):
                    target += "_0"
                links.append(ErrorLink(str(message), target))
        return links

    def answers(self) -> dict[str, Any]:
        """The keyword arguments of the services: values and comments by indicator id, the overall comment."""
        data = self.cleaned_data
        return {
            "values": {i.pk: data[value_field(i.pk)] for i in self.indicators if data.get(value_field(i.pk)) != ""},
            "comments": {i.pk: data.get(comment_field(i.pk), "") for i in self.indicators},
            "comment": data.get("comment", ""),
        }


class AppealForm(forms.Form):
    """A manager's appeal against a final result."""

    text = forms.CharField(
        label=gettext_lazy("grounds of the appeal"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Say which figure you contest and why; HR answers in writing."),
    )


class CycleCloseForm(forms.Form):
    """HR's close of a cycle from its page: the reason is always asked, and recorded with the cycle when ratings are
    missing or appraisals held as incomplete."""

    reason = forms.CharField(
        label=gettext_lazy("reason for closing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Recorded with the cycle when it closes with ratings missing or appraisals incomplete: say why it closes "
            "now."
        ),
    )
