"""Appraisal plans and templates: dimensions, indicators and their weights, rater types and theirs.

A template used by a cycle with appraisals is read-only: it and its indicators refuse save() and delete(), since
the appraisals' scores rest on its weights.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Dimension(models.TextChoices):
    """The three dimensions of the appraisal (004 §七(二))."""

    PERFORMANCE = "performance", _("performance")
    BEHAVIOUR = "behaviour", _("behaviour")
    ABILITY = "ability", _("ability")


class RaterType(models.TextChoices):
    """Who rates a rated indicator (定性考核: 自评、客户抽样评价、主管评价、同事评价)."""

    SELF = "self", _("self rating")
    CLIENT = "client", _("client sample rating")
    HEAD = "head", _("department head rating")
    PEER = "peer", _("peer rating")


class AppraisalPlan(models.Model):
    """The yearly appraisal plan (考核计划): purpose, principles, content and timing; revised every year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    purpose = models.TextField(_("purpose"))
    principles = models.TextField(_("principles"))
    content = models.TextField(_("content"))
    timing = models.TextField(_("timing"))
    revised_at = models.DateField(_("revised on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appraisal plan")
        verbose_name_plural = _("appraisal plans")
        ordering = ["-year"]

    def __str__(self) -> str:
        return _("Appraisal plan %(year)s") % {"year": self.year}


def used_template_refuse(template_id: int | None) -> None:
    """Refuse a change to the template once a cycle with appraisals uses it (one query)."""
    if template_id is None:
        return
    used = Template.objects.filter(pk=template_id, cycles__appraisals__isnull=False)
    name = used.values_list("name", flat=True).first()
    if name is not None:
        raise ValidationError(
            gettext(
                "The template %(template)s is used by a cycle with appraisals and can no longer change; "
                "copy it instead."
            )
            % {"template": name}
        )


class Template(models.Model):
    """An appraisal template (考核模板): dimension weights and rater weights, each summing to 100."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    plan = models.ForeignKey(
        AppraisalPlan,
        verbose_name=_("appraisal plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="templates",
    )
    weight_performance = models.PositiveSmallIntegerField(_("performance weight"), validators=[MaxValueValidator(100)])
    weight_behaviour = models.PositiveSmallIntegerField(_("behaviour weight"), validators=[MaxValueValidator(100)])
    weight_ability = models.PositiveSmallIntegerField(_("ability weight"), validators=[MaxValueValidator(100)])
    weight_self = models.PositiveSmallIntegerField(_("self rating weight"), validators=[MaxValueValidator(100)])
    weight_client = models.PositiveSmallIntegerField(_("client sample weight"), validators=[MaxValueValidator(100)])
    weight_head = models.PositiveSmallIntegerField(_("department head weight"), validators=[MaxValueValidator(100)])
    weight_peer = models.PositiveSmallIntegerField(_("peer rating weight"), validators=[MaxValueValidator(100)])
    client_sample_size = models.PositiveSmallIntegerField(_("clients sampled per manager"), default=3)
    peers_per_manager = models.PositiveSmallIntegerField(_("peers per manager"), default=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appraisal template")
        verbose_name_plural = _("appraisal templates")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_performance=100 - F("weight_behaviour") - F("weight_ability")),
                name="template_dimension_weights_sum_to_100",
                violation_error_message=_("The dimension weights must add up to 100."),
            ),
            models.CheckConstraint(
                condition=Q(weight_performance__gt=F("weight_behaviour"))
                & Q(weight_performance__gt=F("weight_ability")),
                name="template_performance_weight_largest",
                violation_error_message=_("Performance must carry the largest weight."),
            ),
            models.CheckConstraint(
                condition=Q(weight_self=100 - F("weight_client") - F("weight_head") - F("weight_peer")),
                name="template_rater_weights_sum_to_100",
                violation_error_message=_("The rater weights must add up to 100."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        used_template_refuse(self.pk)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        used_template_refuse(self.pk)
        return super().delete(*args, **kwargs)

    def is_used(self) -> bool:
        """Whether a cycle with appraisals uses the template (from then on it is frozen)."""
        return self.pk is not None and self.cycles.filter(appraisals__isnull=False).exists()

    def dimension_weight(self, dimension: str) -> int:
        return {
            Dimension.PERFORMANCE: self.weight_performance,
            Dimension.BEHAVIOUR: self.weight_behaviour,
            Dimension.ABILITY: self.weight_ability,
        }[dimension]

    def rater_weight(self, rater_type: str) -> int:
        return {
            RaterType.SELF: self.weight_self,
            RaterType.CLIENT: self.weight_client,
            RaterType.HEAD: self.weight_head,
            RaterType.PEER: self.weight_peer,
        }[rater_type]


class Indicator(models.Model):
    """An indicator (指标) of a dimension: rated by rater types on the 1–5 scale, or measured from data."""

    class Kind(models.TextChoices):
        RATED = "rated", _("rated (qualitative)")
        MEASURED = "measured", _("measured (quantitative)")

    class Metric(models.TextChoices):
        NEW_CLIENTS = "new_clients", _("new clients")
        VOLUME_GROWTH = "volume_growth", _("business volume growth %")
        SCOPE_GROWTH = "scope_growth", _("business scope growth (products)")
        INTERACTIONS = "interactions", _("interactions logged")
        AVG_SATISFACTION = "avg_satisfaction", _("average client satisfaction")
        COMPLAINTS = "complaints", _("complaints")
        TARGET_COMPLETION = "target_completion", _("target completion %")
        RETENTION = "retention_rate", _("client retention rate %")

    class Rule(models.TextChoices):
        # Higher is better: score = min(100, max(0, value / target × 100)).
        RATIO_TO_TARGET = "ratio", _("value / target × 100, capped at 100")
        # Lower is better: score = max(0, 100 − value × target), target = points lost per unit.
        PENALTY_PER_UNIT = "penalty", _("100 − value × points per unit, not below 0")

    template = models.ForeignKey(
        Template, verbose_name=_("template"), on_delete=models.CASCADE, related_name="indicators"
    )
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight within the dimension"), validators=[MaxValueValidator(100)])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    rated_by_self = models.BooleanField(_("rated by self"), default=False)
    rated_by_client = models.BooleanField(_("rated by client sample"), default=False)
    rated_by_head = models.BooleanField(_("rated by department head"), default=False)
    rated_by_peer = models.BooleanField(_("rated by peers"), default=False)
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True, blank=True)
    rule = models.CharField(_("scoring rule"), max_length=10, choices=Rule.choices, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["template", "dimension", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="indicator_code_unique_in_template"),
            models.CheckConstraint(
                condition=(Q(kind="measured") & ~Q(metric="") & Q(target__isnull=False) & ~Q(rule=""))
                | (Q(kind="rated") & Q(metric="")),
                name="indicator_kind_fields_consistent",
                violation_error_message=_(
                    "A measured indicator needs a metric, a target and a rule; a rated one none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        used_template_refuse(self.template_id)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        used_template_refuse(self.template_id)
        return super().delete(*args, **kwargs)

    @property
    def rater_types(self) -> list[str]:
        flags = {
            RaterType.SELF: self.rated_by_self,
            RaterType.CLIENT: self.rated_by_client,
            RaterType.HEAD: self.rated_by_head,
            RaterType.PEER: self.rated_by_peer,
        }
        return [rater for rater, on in flags.items() if on]


# The rating scale: 1–5, each point worth 20 (5 → 100, 1 → 20). A comment is required at 1 and 5.
SCALE_POINTS = Decimal("20")
SCALE_MIN, SCALE_MAX = 1, 5
