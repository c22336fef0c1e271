"""Ratings of an appraisal by each rater (self, client sample, department head, peers) and survey links."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from appraisals.models.cycles import Appraisal, CycleRow
from appraisals.models.plans import SCALE_MAX, SCALE_MIN, Indicator, RaterType


class Rating(CycleRow):
    """One rater's rating of one appraisal: created as a pending task when the cycle opens, submitted once.

    A client-sample rating has no user: it names the client and is answered through a survey link.
    Peer and client ratings are anonymous to the rated manager; HR sees who rated.
    """

    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("appraisal"), on_delete=models.CASCADE, related_name="ratings"
    )
    rater_type = models.CharField(_("rater type"), max_length=10, choices=RaterType.choices)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rater"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings_given",
    )
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings_given",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    flagged = models.BooleanField(_("flagged by the fairness review"), default=False)
    flag_reason = models.CharField(_("why flagged"), max_length=300, blank=True)
    excluded = models.BooleanField(_("excluded"), default=False)
    excluded_reason = models.TextField(_("reason for exclusion"), blank=True)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("excluded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    last_reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    history = HistoricalRecords()

    cycle_lookup = "appraisals__ratings"

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["appraisal", "rater_type", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "rater_type", "rater"],
                condition=Q(rater__isnull=False),
                name="one_rating_per_rater",
            ),
            models.UniqueConstraint(
                fields=["appraisal", "client"], condition=Q(client__isnull=False), name="one_rating_per_sampled_client"
            ),
            models.CheckConstraint(
                condition=(Q(rater_type="client") & Q(client__isnull=False) & Q(rater__isnull=True))
                | (~Q(rater_type="client") & Q(rater__isnull=False) & Q(client__isnull=True)),
                name="rating_has_the_right_kind_of_rater",
            ),
            models.CheckConstraint(condition=Q(excluded=False) | ~Q(excluded_reason=""), name="exclusion_has_a_reason"),
        ]
        indexes = [models.Index(fields=["rater", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.get_rater_type_display()} · {self.appraisal}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def parent_cycles(self) -> Q | None:
        return Q(appraisals=self.appraisal_id)


class RatingScore(CycleRow):
    """The value (1–5) a rater gave one rated indicator."""

    rating = models.ForeignKey(Rating, verbose_name=_("rating"), on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(
        _("value"), validators=[MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)]
    )
    comment = models.TextField(_("comment"), blank=True)
    history = HistoricalRecords()

    cycle_lookup = "appraisals__ratings__scores"

    class Meta:
        verbose_name = _("rating score")
        verbose_name_plural = _("rating scores")
        constraints = [
            models.UniqueConstraint(fields=["rating", "indicator"], name="one_score_per_indicator"),
            models.CheckConstraint(
                condition=Q(value__gte=SCALE_MIN) & Q(value__lte=SCALE_MAX), name="rating_score_on_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value}"

    def parent_cycles(self) -> Q | None:
        return Q(appraisals__ratings=self.rating_id)


class RatingDraft(models.Model):
    """A rater's partial answers, saved to finish later; never a score: only a submitted rating counts."""

    rating = models.OneToOneField(Rating, verbose_name=_("rating"), on_delete=models.CASCADE, related_name="draft")
    # By indicator id (as a string, JSON's key): the value 1–5 chosen so far, and the comment typed so far.
    values = models.JSONField(_("values so far"), default=dict, blank=True)
    comments = models.JSONField(_("comments so far"), default=dict, blank=True)
    comment = models.TextField(_("overall comment so far"), blank=True)
    saved_at = models.DateTimeField(_("saved at"))

    class Meta:
        verbose_name = _("rating draft")
        verbose_name_plural = _("rating drafts")

    def __str__(self) -> str:
        return f"{self.rating} ({self.saved_at:%Y-%m-%d %H:%M})"


class SurveyInvitation(models.Model):
    """A signed, expiring, single-use survey link sent to a sampled client's contact (客户抽样评价)."""

    rating = models.OneToOneField(Rating, verbose_name=_("rating"), on_delete=models.CASCADE, related_name="invitation")
    email = models.EmailField(_("sent to"))
    nonce = models.CharField(_("nonce"), max_length=64, unique=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")

    def __str__(self) -> str:
        return f"{self.email} · {self.rating.appraisal}"
