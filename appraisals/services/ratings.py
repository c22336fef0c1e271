"""Ratings (定性考核): a rater submits their rating once, for every indicator their rater type rates; reminders."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from appraisals.models import RATING_STATES, AppraisalCycle, Indicator, RaterType, Rating, RatingDraft, RatingScore
from appraisals.models.plans import SCALE_MAX, SCALE_MIN
from appraisals.selectors import indicators_rated_by
from core.names import display_name
from notifications.events import RATING_DUE
from notifications.models import ChannelKind
from notifications.services import Notice, notify_many

# Values at the extremes of the scale must be justified in a comment.
VALUES_NEEDING_COMMENT = (SCALE_MIN, SCALE_MAX)


def value_field(indicator_id: int) -> str:
    """The key under which an indicator's value error is reported (and the form field that shows it)."""
    return f"value_{indicator_id}"


def comment_field(indicator_id: int) -> str:
    """The key under which an indicator's comment error is reported (and the form field that shows it)."""
    return f"comment_{indicator_id}"


def rating_scores_build(
    *, rating: Rating, indicators: Iterable[Indicator], values: Mapping[int, object], comments: Mapping[int, str]
) -> list[RatingScore]:
    """Check one value 1–5 for every indicator (a comment at 1 and 5); the unsaved scores, or every error at once.

    Errors are keyed by value_<id> / comment_<id>, so a form shows each next to its field; each names the indicator.
    """
    indicators = list(indicators)
    expected = {indicator.pk for indicator in indicators}
    errors: dict[str, list[str]] = defaultdict(list)
    unknown = sorted(set(values) - expected)
    if unknown:
        errors["__all__"].append(
            _("Values were given for indicators this rater does not rate (ids %(ids)s).")
            % {"ids": ", ".join(map(str, unknown))}
        )
    scores = []
    for indicator in indicators:
        raw = values.get(indicator.pk)
        if raw in (None, ""):
            errors[value_field(indicator.pk)].append(_("Give a value for “%(indicator)s”.") % {"indicator": indicator})
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or str(raw).strip() != str(value) or not SCALE_MIN <= value <= SCALE_MAX:
            errors[value_field(indicator.pk)].append(
                _("The value for “%(indicator)s” must be a whole number from %(min)s to %(max)s.")
                % {"indicator": indicator, "min": SCALE_MIN, "max": SCALE_MAX}
            )
            continue
        comment = (comments.get(indicator.pk) or "").strip()
        if value in VALUES_NEEDING_COMMENT and not comment:
            errors[comment_field(indicator.pk)].append(
                _("A value of %(value)s for “%(indicator)s” needs a comment saying why.")
                % {"value": value, "indicator": indicator}
            )
            continue
        scores.append(RatingScore(rating=rating, indicator=indicator, value=value, comment=comment))
    if not indicators:
        errors["__all__"].append(_("The template has no indicator for this rater type to rate."))
    if errors:
        raise ValidationError(dict(errors))
    return scores


def rating_scores_save(*, rating: Rating, scores: list[RatingScore], comment: str) -> Rating:
    """Write the scores and mark the rating submitted (caller holds the row lock inside a transaction)."""
    for score in scores:
        score.full_clean(exclude=["rating"])
    # With history: a score is audited like its rating (a client's survey answer has no user to name).
    bulk_create_with_history(scores, RatingScore, default_user=rating.rater, default_change_reason="rating submitted")
    rating.comment = comment.strip()
    rating.submitted_at = timezone.now()
    rating.save(update_fields=["comment", "submitted_at"])
    # The answers now live in the scores; a draft left behind would only confuse a later reader.
    RatingDraft.objects.filter(rating=rating).delete()
    return rating


def rating_draft_build(
    *,
    rating: Rating,
    indicators: Iterable[Indicator],
    values: Mapping[int, object],
    comments: Mapping[int, str],
    comment: str,
) -> RatingDraft:
    """The rater's partial answers as an unsaved draft: any subset of the indicators, each value on the scale.

    Missing values and missing comments are fine here (that is what a draft is for); a value off the scale or for an
    indicator this rater does not rate is refused, keyed like rating_scores_build's errors.
    """
    by_id = {indicator.pk: indicator for indicator in indicators}
    errors: dict[str, list[str]] = defaultdict(list)
    kept_values: dict[str, int] = {}
    for indicator_id, raw in values.items():
        if raw in (None, ""):
            continue
        indicator = by_id.get(indicator_id)
        if indicator is None:
            errors["__all__"].append(
                _("Values were given for indicators this rater does not rate (ids %(ids)s).") % {"ids": indicator_id}
            )
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or str(raw).strip() != str(value) or not SCALE_MIN <= value <= SCALE_MAX:
            errors[value_field(indicator_id)].append(
                _("The value for “%(indicator)s” must be a whole number from %(min)s to %(max)s.")
                % {"indicator": indicator, "min": SCALE_MIN, "max": SCALE_MAX}
            )
            continue
        kept_values[str(indicator_id)] = value
    if errors:
        raise ValidationError(dict(errors))
    kept_comments = {
        str(indicator_id): text.strip()
        for indicator_id, text in comments.items()
        if indicator_id in by_id and (text or "").strip()
    }
    draft = RatingDraft.objects.filter(rating=rating).first() or RatingDraft(rating=rating)
    draft.values, draft.comments, draft.comment = kept_values, kept_comments, comment.strip()
    draft.saved_at = timezone.now()
    return draft


def rating_draft_initial(draft: RatingDraft | None) -> dict[str, object]:
    """A saved draft as the rating form's initial data (value_<id>, comment_<id>, comment); {} without one."""
    if draft is None:
        return {}
    initial: dict[str, object] = {value_field(int(key)): value for key, value in draft.values.items()}
    initial.update({comment_field(int(key)): text for key, text in draft.comments.items()})
    initial["comment"] = draft.comment
    return initial


def rating_draft_of(rating: Rating) -> RatingDraft | None:
    """The rating's saved draft, if any (read through select_related("draft") when the caller loaded it)."""
    try:
        return rating.draft
    except RatingDraft.DoesNotExist:
        return None


@transaction.atomic
def rating_draft_save(
    *,
    rating: Rating,
    by: AbstractBaseUser,
    values: Mapping[int, object],
    comments: Mapping[int, str],
    comment: str = "",
) -> RatingDraft:
    """Keep a rater's partial answers to finish later; nothing is scored until the rating is submitted."""
    rating, indicators = _rating_open_to(rating, by, denied=_("Only the rater may save a draft of this rating."))
    draft = rating_draft_build(rating=rating, indicators=indicators, values=values, comments=comments, comment=comment)
    draft.full_clean(exclude=["rating"])
    draft.save()
    return draft


def _rating_open_to(rating: Rating, by: AbstractBaseUser, *, denied: str) -> tuple[Rating, list[Indicator]]:
    """The rating locked, with the indicators its rater answers, once checked that `by` is its signed-in rater and
    that it still takes answers (a draft and a submit refuse the same things)."""
    rating = rating_lock(rating)
    if rating.rater_type == RaterType.CLIENT:
        raise ValidationError(_("A client sample rating is answered through its survey link."))
    if rating.rater_id != by.pk:
        raise PermissionDenied(denied)
    rating_submittable_check(rating)
    return rating, list(indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=rating.rater_type))


def rating_lock(rating: Rating) -> Rating:
    """The rating re-read under a row lock, with its appraisal, cycle and template (stops a double submit)."""
    return (
        Rating.objects.select_for_update(of=("self",))
        .select_related("appraisal__cycle__template", "appraisal__manager__user")
        .get(pk=rating.pk)
    )


def rating_submittable_check(rating: Rating) -> None:
    """Refuse a rating whose cycle is not taking ratings, or one already submitted."""
    rating.appraisal.assert_editable()
    cycle = rating.appraisal.cycle
    if cycle.state not in RATING_STATES:
        raise ValidationError(
            _("The appraisal cycle “%(cycle)s” is %(state)s: it does not take ratings.")
            % {"cycle": cycle, "state": cycle.get_state_display()}
        )
    if rating.submitted_at is not None:
        raise ValidationError(_("This rating was already submitted; it cannot be submitted again."))


@transaction.atomic
def rating_submit(
    *,
    rating: Rating,
    by: AbstractBaseUser,
    values: Mapping[int, object],
    comments: Mapping[int, str],
    comment: str = "",
) -> Rating:
    """Submit a rater's rating: every indicator the rater type rates, 1–5, a comment at 1 and 5; all or nothing."""
    rating, indicators = _rating_open_to(rating, by, denied=_("Only the rater may submit this rating."))
    scores = rating_scores_build(rating=rating, indicators=indicators, values=values, comments=comments)
    return rating_scores_save(rating=rating, scores=scores, comment=comment)


def ratings_remind_check(*, cycle: AppraisalCycle) -> None:
    """Refuse (ValidationError) to remind the raters of a cycle that takes no ratings (a draft or a closed one)."""
    if cycle.state not in RATING_STATES:
        raise ValidationError(
            _("The cycle %(cycle)s is %(state)s: its raters are reminded only while it is open or in review."),
            code="cycle_takes_no_ratings",
            params={"cycle": str(cycle), "state": cycle.get_state_display()},
        )


@transaction.atomic
def ratings_remind(*, today: dt.date, cycle: AppraisalCycle | None = None) -> int:
    """Remind each rater with pending ratings (of one cycle when given), at most once a day per rater; returns how
    many were reminded.

    Each rater is told through their channel (notifications): e-mail, the default, is sent here as before; a
    robot's message is sent by its own job after the commit. The reminder dates are written in the same transaction
    as the e-mails: if the mail server fails, nothing is marked and the next run tries again; a rater already
    reminded today (for any rating) is skipped.
    """
    reminded_today = Rating.objects.filter(last_reminded_on=today, rater__isnull=False).values("rater_id")
    pending = Rating.objects.filter(
        rater__isnull=False, submitted_at__isnull=True, appraisal__cycle__state__in=RATING_STATES
    )
    if cycle is not None:
        pending = pending.filter(appraisal__cycle=cycle)
    pending = list(
        pending.exclude(rater__email="")
        .exclude(rater_id__in=reminded_today)
        .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
        .select_related("rater", "appraisal__cycle")
        .order_by("rater_id", "appraisal__cycle__rating_deadline", "pk")
    )
    by_rater: dict[int, list[Rating]] = defaultdict(list)
    for rating in pending:
        by_rater[rating.rater_id].append(rating)
    if not by_rater:
        return 0
    path = reverse("appraisals:pending_ratings")
    link = settings.SITE_URL + path
    deadlines = {
        rater_id: min(rating.appraisal.cycle.rating_deadline for rating in ratings)
        for rater_id, ratings in by_rater.items()
    }
    notices = [
        Notice(
            recipient_id=rater_id,
            key=today.isoformat(),
            params={"count": len(ratings), "deadline": deadlines[rater_id].isoformat(), "link": path},
        )
        for rater_id, ratings in by_rater.items()
    ]
    kinds = notify_many(event=RATING_DUE, notices=notices, email_by_caller=True)
    messages = []
    for rater_id, ratings in by_rater.items():
        if kinds[rater_id] != ChannelKind.EMAIL:
            continue
        rater = ratings[0].rater
        deadline = deadlines[rater_id]
        subject = ngettext("You have %(count)d pending rating", "You have %(count)d pending ratings", len(ratings)) % {
            "count": len(ratings)
        }
        body = _(
            "Dear %(name)s,\n\n%(subject)s in the appraisal. The earliest rating deadline is %(deadline)s.\n"
            "Please rate at: %(link)s\n"
        ) % {"name": display_name(rater), "subject": subject, "deadline": deadline, "link": link}
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [rater.email]))
    Rating.objects.filter(pk__in=[rating.pk for rating in pending]).update(last_reminded_on=today)
    send_mass_mail(messages, fail_silently=False)
    return len(by_rater)
