"""The events a person is told of, and their messages: stored as a code and parameters, rendered in the reader's
language at send time (the sender of an event never writes the text). A robot posts to a group, so no message
carries a score or an amount: it says what happened and links to the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

RATING_DUE = "rating_due"
RATING_OVERDUE = "rating_overdue"
RESULT_PUBLISHED = "result_published"
APPEAL_DECIDED = "appeal_decided"
PAY_APPROVED = "pay_approved"
SPOT_CHECK_PROBLEM = "spot_check_problem"

EVENT_LABELS = {
    RATING_DUE: gettext_lazy("a rating is due"),
    RATING_OVERDUE: gettext_lazy("a rating is overdue"),
    RESULT_PUBLISHED: gettext_lazy("a result is published"),
    APPEAL_DECIDED: gettext_lazy("an appeal is decided"),
    PAY_APPROVED: gettext_lazy("a pay statement is approved"),
    SPOT_CHECK_PROBLEM: gettext_lazy("a spot-check found a problem"),
}
EVENTS = tuple(EVENT_LABELS)


@dataclass(frozen=True)
class Message:
    """A message as every channel sends it: a title line, the text, and the page to open (absolute, or empty)."""

    title: str
    text: str
    link: str

    @property
    def plain(self) -> str:
        return "\n".join(part for part in (self.title, self.text, self.link) if part)


def _texts(event: str, params: dict[str, Any]) -> tuple[str, str]:
    count = int(params.get("count") or 0)
    if event == RATING_DUE:
        title = ngettext("You have %(count)d pending rating", "You have %(count)d pending ratings", count) % {
            "count": count
        }
        return title, _("The earliest rating deadline is %(deadline)s.") % params
    if event == RATING_OVERDUE:
        title = ngettext("%(count)d rating is overdue", "%(count)d ratings are overdue", count) % {"count": count}
        return title, _("The rating deadline of %(cycle)s has passed; please rate as soon as you can.") % params
    if event == RESULT_PUBLISHED:
        return _("Your appraisal result is published"), _("%(cycle)s: open the page to see your result.") % params
    if event == APPEAL_DECIDED:
        title = _("Your appeal is decided")
        if params.get("decision") == "upheld":
            return title, _("Your appeal on %(cycle)s was upheld; the appraisal was scored again.") % params
        return title, _("Your appeal on %(cycle)s was rejected; the result stands.") % params
    if event == PAY_APPROVED:
        return _("Your pay statement is approved"), _("%(period)s: open the page to see the amounts.") % params
    if event == SPOT_CHECK_PROBLEM:
        return _("A spot-check found a problem"), _(
            "The spot-check of %(checked_on)s found a problem; HR will count it in your next appraisal."
        ) % params
    raise ValueError(f"unknown event {event!r}")


def message_render(*, event: str, params: dict[str, Any], language: str = "") -> Message:
    """The event's message in the language (the site's when blank)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        title, text = _texts(event, params)
    path = str(params.get("link") or "")
    return Message(title=title, text=text, link=settings.SITE_URL + path if path else "")
