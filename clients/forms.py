"""Forms of the client page. They only collect input: the views hand it to clients.services, which decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.models import NOTE_MAX_LENGTH, REPORT_BODY_MAX_LENGTH, SUMMARY_MAX_LENGTH, Feedback, Interaction, Report

SATISFACTION_CHOICES = [("", _("not given"))] + [(str(score), str(score)) for score in range(1, 6)]


class DateInput(forms.DateInput):
    """The browser's date picker, which only accepts ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None, format: str = "%Y-%m-%d") -> None:  # noqa: A002 - Django's name
        super().__init__(attrs, format=format)


def _at_most(limit: int) -> str:
    return gettext("At most %(limit)s characters.") % {"limit": f"{limit:,}"}


def limited_text(label: object, limit: int, *, rows: int | None = None, required: bool = True) -> forms.CharField:
    """A text field refused above `limit` characters with a message that says so; never silently cut.

    No max_length (and so no maxlength attribute): a browser would cut a pasted text at the limit without a word.
    """
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        label=label,
        widget=widget,
        required=required,
        validators=[MaxLengthValidator(limit)],
        help_text=lazy(_at_most, str)(limit),
    )


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
    summary = limited_text(_("summary"), SUMMARY_MAX_LENGTH, rows=3)
    client_needs = limited_text(_("client's needs"), SUMMARY_MAX_LENGTH, rows=2, required=False)
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
    complaint = limited_text(_("complaint"), NOTE_MAX_LENGTH, rows=2, required=False)
    suggestion = limited_text(_("suggestion"), NOTE_MAX_LENGTH, rows=2, required=False)


class ReportForm(ServiceForm):
    """Write a report on the client; the manager answers for its truth (004 §八)."""

    prefix = "report"

    kind = forms.ChoiceField(label=_("kind"), choices=Report.Kind.choices)
    title = limited_text(_("title"), Report._meta.get_field("title").max_length)
    body = limited_text(_("report"), REPORT_BODY_MAX_LENGTH, rows=6)
    attests_truth = forms.BooleanField(
        label=_("I answer for the truth of this report"),
        error_messages={"required": _("A report is accepted only when you answer for its truth.")},
    )


class ReportCorrectionForm(ServiceForm):
    """Correct a report's kind, title and text; the manager's answer for its truth stands."""

    prefix = "report"

    kind = ReportForm.base_fields["kind"]
    title = ReportForm.base_fields["title"]
    body = ReportForm.base_fields["body"]


class WithdrawForm(ServiceForm):
    """Withdraw a record, saying why; it stays visible as withdrawn and counts nowhere."""

    prefix = "withdraw"

    reason = limited_text(_("reason for withdrawing"), 300, rows=2)
