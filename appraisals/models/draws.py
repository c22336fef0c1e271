"""Random draws an auditor can re-run: the population, the seed from a cryptographic source and the sample are
recorded, so that ``random.Random(seed).sample(population, k)`` gives the sample again (appraisals/services/draws.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from appraisals.models.cycles import Appraisal, AppraisalCycle
from managers.models import AccountManager

DRAW_ALGORITHM = "random.Random(seed).sample(population, k), sorted; seed = secrets.token_hex(32)"


class RecordedDraw(models.Model):
    """What every recorded draw keeps: when and by whom, the population (sorted ids), k, the seed and the sample."""

    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    population = models.JSONField(_("population (ids, sorted)"))
    sample_size = models.PositiveSmallIntegerField(_("sample size"))
    seed = models.CharField(_("random seed"), max_length=128)
    sample = models.JSONField(_("sample (ids, sorted)"))
    algorithm = models.CharField(_("algorithm"), max_length=100, default=DRAW_ALGORITHM)

    class Meta:
        abstract = True


class PeerDraw(RecordedDraw):
    """The peers (同事评价) drawn to rate one manager in a cycle, among the managers of their department and grade."""

    cycle = models.ForeignKey(
        AppraisalCycle, verbose_name=_("appraisal cycle"), on_delete=models.PROTECT, related_name="peer_draws"
    )
    manager = models.ForeignKey(
        AccountManager, verbose_name=_("rated account manager"), on_delete=models.PROTECT, related_name="+"
    )
    # A draw is never edited; the history proves it (an edited seed or sample would show here, with who did it).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("peer draw")
        verbose_name_plural = _("peer draws")
        ordering = ["-drawn_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["cycle", "manager"], name="one_peer_draw_per_manager_cycle")]

    def __str__(self) -> str:
        return f"{self.manager} · {self.cycle} ({len(self.sample)}/{len(self.population)})"


class ClientSampleDraw(RecordedDraw):
    """The clients drawn for one appraisal's client sample (客户抽样评价); a top-up after a first draw is a draw of its
    own, among the clients not sampled yet."""

    appraisal = models.ForeignKey(
        Appraisal, verbose_name=_("appraisal"), on_delete=models.PROTECT, related_name="client_sample_draws"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client sample draw")
        verbose_name_plural = _("client sample draws")
        ordering = ["-drawn_at", "pk"]

    def __str__(self) -> str:
        return f"{self.appraisal} ({len(self.sample)}/{len(self.population)})"
