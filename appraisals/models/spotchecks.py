"""Unannounced random spot-checks (随机抽查, 无预警考察): a recorded, verifiable draw and its findings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from appraisals.models.cycles import Appraisal
from appraisals.models.draws import RecordedDraw
from managers.models import AccountManager


class SpotCheckPolicy(models.Model):
    """How many managers each draw takes (HR edits this; the schedule is a beat row)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    sample_size = models.PositiveSmallIntegerField(_("managers per draw"), validators=[MinValueValidator(1)])
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("spot-check policy")
        verbose_name_plural = _("spot-check policies")

    def __str__(self) -> str:
        return self.name


class SpotCheckDraw(RecordedDraw):
    """One draw: the population, the seed from a cryptographic source, and the sample, so it can be re-run."""

    policy = models.ForeignKey(
        SpotCheckPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, null=True, blank=True, related_name="draws"
    )
    population = models.JSONField(_("population (manager ids, sorted)"))
    sample = models.JSONField(_("sample (manager ids)"))
    algorithm = models.CharField(_("algorithm"), max_length=100, default="random.Random(seed).sample v1")
    # A draw is never edited; the history proves it (an edited seed or sample would show here, with who did it).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("spot-check draw")
        verbose_name_plural = _("spot-check draws")
        ordering = ["-drawn_at"]

    def __str__(self) -> str:
        return f"{self.drawn_at:%Y-%m-%d %H:%M} ({len(self.sample)}/{len(self.population)})"


class SpotCheck(models.Model):
    """A spot-check of one drawn manager: on-site or off-site, the method, findings and the score effect."""

    class Mode(models.TextChoices):
        ON_SITE = "on_site", _("on-site inspection")
        OFF_SITE = "off_site", _("off-site inspection")

    class Method(models.TextChoices):
        STOCKTAKE = "stocktake", _("stocktake (盘点)")
        RECONCILE = "reconcile", _("reconciliation (核对)")
        INQUIRY = "inquiry", _("inquiry (查询)")
        ANALYSIS = "analysis", _("analysis (分析)")
        CONFIRMATION = "confirmation", _("confirmation (确认)")
        OBSERVATION = "observation", _("observation (观察)")
        LETTER = "letter", _("confirmation letter (函证)")
        QUESTIONNAIRE = "questionnaire", _("questionnaire (答卷)")
        SURVEY = "survey", _("survey (调查)")

    draw = models.ForeignKey(SpotCheckDraw, verbose_name=_("draw"), on_delete=models.PROTECT, related_name="checks")
    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="spot_checks"
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, blank=True)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, blank=True)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    score_effect = models.DecimalField(
        _("score effect"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(-20), MaxValueValidator(10)],
        help_text=_("Points added to (or taken from) the total at the next close."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_to = models.ForeignKey(
        Appraisal,
        verbose_name=_("applied to appraisal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spot_checks",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("spot-check")
        verbose_name_plural = _("spot-checks")
        ordering = ["-draw__drawn_at", "manager"]
        constraints = [models.UniqueConstraint(fields=["draw", "manager"], name="one_check_per_manager_draw")]

    def __str__(self) -> str:
        return f"{self.manager} · {self.draw}"
