"""Client sample ratings (客户抽样评价): the random draw of clients, signed single-use survey links, the answers."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from appraisals.models import (
    RATING_STATES,
    Appraisal,
    AppraisalCycle,
    ClientSampleDraw,
    RaterType,
    Rating,
    RatingDraft,
    SurveyInvitation,
)
from appraisals.models.draws import DRAW_ALGORITHM
from appraisals.selectors import indicators_rated_by
from appraisals.services.draws import draw_make
from appraisals.services.fairness import fairness_review
from appraisals.services.ratings import (
    rating_draft_build,
    rating_scores_build,
    rating_scores_save,
    rating_submittable_check,
)
from clients.models import Assignment, Contact

SURVEY_SALT = "appraisals.survey"
# When the rating deadline has already passed at the draw (a late draw by HR), the link still gets this long.
LATE_DRAW_VALIDITY = dt.timedelta(days=14)


class SurveyLinkError(ValidationError):
    """A survey link that cannot be answered; the subclass says why (the page shows it)."""


class SurveyLinkInvalid(SurveyLinkError):
    """Forged, altered or unknown."""

    def __init__(self) -> None:
        super().__init__(gettext_lazy("This survey link is not valid."), code="invalid")


class SurveyLinkExpired(SurveyLinkError):
    """Past its expiry, or the cycle no longer takes ratings."""

    def __init__(self) -> None:
        super().__init__(gettext_lazy("This survey link has expired."), code="expired")


class SurveyLinkClosed(SurveyLinkExpired):
    """The cycle the survey belongs to no longer takes ratings (closed, or otherwise past its rating stage)."""

    def __init__(self) -> None:
        SurveyLinkError.__init__(
            self,
            gettext_lazy("The appraisal this survey belongs to is closed: it no longer takes answers."),
            code="closed",
        )


class SurveyLinkUsed(SurveyLinkError):
    """Already answered: a link works once."""

    def __init__(self) -> None:
        super().__init__(gettext_lazy("This survey has already been answered. Thank you."), code="used")


def survey_token(invitation: SurveyInvitation) -> str:
    """The signed token of the link: the invitation id and its random nonce, signed with the site's secret key."""
    # No timestamp: the expiry is the invitation's expires_at, and the same invitation always has the same link.
    return signing.Signer(salt=SURVEY_SALT).sign_object([invitation.pk, invitation.nonce])


def survey_url(invitation: SurveyInvitation) -> str:
    """The absolute address of the survey page for this invitation."""
    return settings.SITE_URL + reverse("appraisals:survey", kwargs={"token": survey_token(invitation)})


def _invitation_check(invitation: SurveyInvitation) -> None:
    # A rating submitted by any path (the link, an import, the demo) is answered, whether or not the link was used.
    if invitation.used_at is not None or invitation.rating.submitted_at is not None:
        raise SurveyLinkUsed()
    if invitation.rating.appraisal.cycle.state not in RATING_STATES:
        raise SurveyLinkClosed()
    if invitation.expires_at <= timezone.now():
        raise SurveyLinkExpired()


def survey_invitation_from_token(token: str, *, lock: bool = False) -> SurveyInvitation:
    """The invitation a link names, with its rating, appraisal, manager, client and cycle.

    Raises SurveyLinkInvalid (bad signature or unknown), SurveyLinkExpired or SurveyLinkUsed.
    """
    try:
        pk, nonce = signing.Signer(salt=SURVEY_SALT).unsign_object(token)
    except (signing.BadSignature, TypeError, ValueError, UnicodeDecodeError):
        raise SurveyLinkInvalid() from None
    queryset = SurveyInvitation.objects.select_related(
        "rating__client", "rating__appraisal__manager__user", "rating__appraisal__cycle__template", "rating__draft"
    )
    if lock:
        queryset = queryset.select_for_update(of=("self", "rating"))
    invitation = queryset.filter(pk=pk).first()
    # The nonce is compared too: a signed token of a deleted and re-used id must not open another invitation.
    if invitation is None or not secrets.compare_digest(str(invitation.nonce), str(nonce)):
        raise SurveyLinkInvalid()
    _invitation_check(invitation)
    return invitation


@transaction.atomic
def survey_answer(
    *, token: str, values: Mapping[int, object], comments: Mapping[int, str], comment: str = ""
) -> Rating:
    """Record a sampled client's answer as their client sample rating, once; then review the fairness."""
    invitation = survey_invitation_from_token(token, lock=True)
    rating = invitation.rating
    rating_submittable_check(rating)
    indicators = indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=RaterType.CLIENT)
    scores = rating_scores_build(rating=rating, indicators=indicators, values=values, comments=comments)
    rating_scores_save(rating=rating, scores=scores, comment=comment)
    invitation.used_at = rating.submitted_at
    invitation.save(update_fields=["used_at"])
    fairness_review(appraisal=rating.appraisal)
    return rating


@transaction.atomic
def survey_draft_save(
    *, token: str, values: Mapping[int, object], comments: Mapping[int, str], comment: str = ""
) -> RatingDraft:
    """Keep a sampled client's partial answers to finish later through the same link (which stays unused)."""
    invitation = survey_invitation_from_token(token, lock=True)
    rating = invitation.rating
    rating_submittable_check(rating)
    indicators = indicators_rated_by(template=rating.appraisal.cycle.template, rater_type=RaterType.CLIENT)
    draft = rating_draft_build(rating=rating, indicators=indicators, values=values, comments=comments, comment=comment)
    draft.full_clean(exclude=["rating"])
    draft.save()
    return draft


def _expiry_for(cycle: AppraisalCycle, now: dt.datetime) -> dt.datetime:
    """The end of the rating deadline's day (local time); a late draw gets LATE_DRAW_VALIDITY from now."""
    end_of_deadline = timezone.make_aware(dt.datetime.combine(cycle.rating_deadline, dt.time.max))
    return end_of_deadline if end_of_deadline > now + dt.timedelta(days=1) else now + LATE_DRAW_VALIDITY


@transaction.atomic
def client_sample_draw(
    *, cycle: AppraisalCycle, sample_size: int | None = None, by: AbstractBaseUser | None = None
) -> int:
    """Draw each manager's client sample and e-mail each sampled client a survey link; returns ratings created.

    For each appraisal, up to the sample size of the manager's currently assigned clients that have a contact
    with an e-mail are drawn from a cryptographic seed (unpredictable to the managers), and the draw is recorded
    with its population, seed and sample (ClientSampleDraw) so that an auditor can re-run it. A client already
    sampled for the appraisal is never drawn again, and a re-run only tops a sample up: running it twice adds nothing.
    """
    cycle = AppraisalCycle.objects.select_for_update().select_related("template").get(pk=cycle.pk)
    if cycle.state not in RATING_STATES:
        raise ValidationError(
            _("Clients can be sampled only while the cycle is open or in review; “%(cycle)s” is %(state)s.")
            % {"cycle": cycle, "state": cycle.get_state_display()}
        )
    size = cycle.template.client_sample_size if sample_size is None else sample_size
    if size < 0:
        raise ValidationError(_("The sample size cannot be negative."))
    if size == 0 or not indicators_rated_by(template=cycle.template, rater_type=RaterType.CLIENT).exists():
        return 0
    appraisals = list(cycle.appraisals.select_related("cycle").order_by("pk"))
    assigned = _clients_with_email(manager_ids=[appraisal.manager_id for appraisal in appraisals])
    sampled = _clients_sampled(cycle=cycle)
    drawn_by = by if by is not None and by.is_authenticated else None
    draws = _samples_draw(appraisals=appraisals, assigned=assigned, sampled=sampled, size=size, drawn_by=drawn_by)
    if not draws:
        return 0
    invitation_ids = _survey_invitations_create(cycle=cycle, draws=draws)
    # The links go out only once the ratings they answer exist for everyone (after the commit).
    transaction.on_commit(lambda: survey_invitations_send(invitation_ids=invitation_ids))
    return len(draws)


def _clients_with_email(*, manager_ids: list[int]) -> dict[int, list[int]]:
    """Per manager, the clients currently assigned that have a contact with an e-mail, by client id."""
    with_email = Contact.objects.filter(client=OuterRef("client_id")).exclude(email="")
    assigned: dict[int, list[int]] = defaultdict(list)
    for manager_id, client_id in (
        Assignment.objects.filter(manager_id__in=manager_ids, end__isnull=True)
        .filter(Exists(with_email))
        .order_by("client_id")
        .values_list("manager_id", "client_id")
    ):
        assigned[manager_id].append(client_id)
    return assigned


def _clients_sampled(*, cycle: AppraisalCycle) -> dict[int, set[int]]:
    """Per appraisal of the cycle, the clients already sampled for it."""
    sampled: dict[int, set[int]] = defaultdict(set)
    for appraisal_id, client_id in Rating.objects.filter(
        appraisal__cycle=cycle, rater_type=RaterType.CLIENT
    ).values_list("appraisal_id", "client_id"):
        sampled[appraisal_id].add(client_id)
    return sampled


def _samples_draw(
    *,
    appraisals: list[Appraisal],
    assigned: dict[int, list[int]],
    sampled: dict[int, set[int]],
    size: int,
    drawn_by: AbstractBaseUser | None,
) -> list[tuple[int, int]]:
    """Top each appraisal's sample up to the size and record each draw; returns the (appraisal id, client id) drawn."""
    draws: list[tuple[int, int]] = []
    records: list[ClientSampleDraw] = []
    for appraisal in appraisals:
        already = sampled[appraisal.pk]
        wanted = max(0, size - len(already))
        if not wanted:
            continue
        candidates = [client_id for client_id in assigned[appraisal.manager_id] if client_id not in already]
        made = draw_make(population=candidates, size=wanted)
        # Recorded even when there was no one to draw: the auditor sees that the sample is short, and why.
        records.append(
            ClientSampleDraw(
                appraisal=appraisal,
                drawn_by=drawn_by,
                population=made.population,
                sample_size=made.k,
                seed=made.seed,
                sample=made.sample,
                algorithm=DRAW_ALGORITHM,
            )
        )
        draws += [(appraisal.pk, client_id) for client_id in made.sample]
    if records:
        bulk_create_with_history(
            records, ClientSampleDraw, batch_size=500, default_user=drawn_by, default_change_reason="drawn"
        )
    return draws


def _survey_invitations_create(*, cycle: AppraisalCycle, draws: list[tuple[int, int]]) -> list[int]:
    """A client rating and a single-use survey invitation for each draw; returns the invitation ids."""
    # The primary contact's address, else the first contact with one.
    emails: dict[int, str] = {}
    for client_id, email in (
        Contact.objects.filter(client_id__in={client_id for _appraisal_id, client_id in draws})
        .exclude(email="")
        .order_by("client_id", "-is_primary", "name", "pk")
        .values_list("client_id", "email")
    ):
        emails.setdefault(client_id, email)
    now = timezone.now()
    expires_at = _expiry_for(cycle, now)
    invitation_ids = []
    for appraisal_id, client_id in draws:
        rating = Rating(appraisal_id=appraisal_id, rater_type=RaterType.CLIENT, client_id=client_id)
        rating.full_clean(exclude=["appraisal", "client"])
        rating.save()
        invitation = SurveyInvitation(
            rating=rating, email=emails[client_id], nonce=secrets.token_urlsafe(32), expires_at=expires_at
        )
        invitation.full_clean(exclude=["rating"])
        invitation.save()
        invitation_ids.append(invitation.pk)
    return invitation_ids


def survey_invitations_send(*, invitation_ids: list[int]) -> int:
    """E-mail the survey links of these invitations that are not used, answered or expired, and whose cycle is not
    closed (the link would answer 410); returns how many were sent."""
    invitations = (
        SurveyInvitation.objects.filter(
            pk__in=invitation_ids,
            used_at__isnull=True,
            rating__submitted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .filter(rating__appraisal__cycle__state__in=RATING_STATES)
        .select_related("rating__client", "rating__appraisal__manager__user", "rating__appraisal__cycle")
    )
    sent = 0
    with get_connection() as connection:
        for invitation in invitations:
            manager = invitation.rating.appraisal.manager
            subject = _("How did your account manager serve you? A short survey")
            body = _(
                "Dear %(client)s,\n\nAs part of our appraisal of account managers (%(cycle)s) we ask a few clients "
                "to rate the service of their account manager, %(manager)s. It takes a few minutes and the manager "
                "will not see who answered.\n\nPlease answer by %(expires)s at:\n%(link)s\n\n"
                "The link works once. Thank you.\n"
            ) % {
                "client": invitation.rating.client,
                "cycle": invitation.rating.appraisal.cycle,
                "manager": manager.name,
                "expires": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
                "link": survey_url(invitation),
            }
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email], connection=connection)
            # Marked one by one, so a failure halfway leaves the rest unsent and visible in the admin.
            SurveyInvitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
            sent += 1
    return sent
