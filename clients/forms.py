"""Forms of the client page. They only collect input: the views hand it to clients.services, which decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Feedback, Interaction, Report

SATISFACTION_CHOICES = [("", _("not given"))] + [(str(score), str(score)) for score in range(1, 6)]


class DateInput(forms.DateInput):
    """The browser's date picker, which only accepts ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None, format: str = "%Y-%m-%d") -> None:  # noqa: A002 - Django's name
        super().__init__(attrs, format=format)


class ServiceForm(forms.Form):
    """A form whose errors may come from a service; crispy renders it without its own <form> tag, and without a
    CSRF token: the template's <form> has it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError next to the fields it names, the rest above the form."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class InteractionForm(ServiceForm):
    """Log an interaction record (联系记录)."""

    # Prefixes keep the ids of the three forms on one page apart (each has a "date" or a "kind").
    prefix = "interaction"

    kind = forms.ChoiceField(label=_("kind"), choices=Interaction.Kind.choices)
    date = forms.DateField(label=_("date"), widget=DateInput, initial=timezone.localdate)
    summary = forms.CharField(label=_("summary"), widget=forms.Textarea(attrs={"rows": 3}))
    client_needs = forms.CharField(label=_("client's needs"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    follow_up_date = forms.DateField(label=_("follow-up date"), widget=DateInput, required=False)


class FeedbackForm(ServiceForm):
    """Record a client's feedback heard on a call-back or received as a complaint."""

    prefix = "feedback"

    # A survey answer arrives through the client's own link, never typed in by the manager.
    source = forms.ChoiceField(
        label=_("source"),
        choices=[(source.value, source.label) for source in (Feedback.Source.CALLBACK, Feedback.Source.COMPLAINT)],
    )
    date = forms.DateField(label=_("date"), widget=DateInput, initial=timezone.localdate)
    satisfaction = forms.TypedChoiceField(
        label=_("satisfaction (1–5)"), choices=SATISFACTION_CHOICES, coerce=int, empty_value=None, required=False
    )
    complaint = forms.CharField(label=_("complaint"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    suggestion = forms.CharField(label=_("suggestion"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReportForm(ServiceForm):
    """Write a report on the client; the manager answers for its truth (004 §八)."""

    prefix = "report"

    kind = forms.ChoiceField(label=_("kind"), choices=Report.Kind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    body = forms.CharField(label=_("report"), widget=forms.Textarea(attrs={"rows": 6}))
    attests_truth = forms.BooleanField(
        label=_("I answer for the truth of this report"),
        error_messages={"required": _("A report is accepted only when you answer for its truth.")},
    )
