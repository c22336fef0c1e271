"""Clients, their one manager at a time, and the work done for them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.choices import ChoiceLabels, ClientTier
from managers.models import AccountManager


class Client(ChoiceLabels, models.Model):
    """A client file (客户档案). The tier is set only by the 80/20 tiering, which keeps its history."""

    class Size(models.TextChoices):
        SMALL = "small", _("small")
        MEDIUM = "medium", _("medium")
        LARGE = "large", _("large")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("prospect")
        ACTIVE = "active", _("active")
        LOST = "lost", _("lost")

    name = models.CharField(_("name"), max_length=200)
    registration_code = models.CharField(_("registration code"), max_length=50, unique=True)
    industry = models.CharField(_("industry"), max_length=100)
    size = models.CharField(_("size"), max_length=10, choices=Size.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROSPECT)
    tier = models.CharField(_("tier"), max_length=10, choices=ClientTier.choices, default=ClientTier.ORDINARY)
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The manager of the client's open assignment, kept by the database's triggers (clients.db_triggers) whatever
    # writes the assignments. It exists for the indexes below: "my clients" of a line of managers is an index range
    # per manager instead of a join through every assignment. Never set it; query it (an instance loaded before an
    # assignment changed keeps the old value in memory).
    current_manager = models.ForeignKey(
        AccountManager,
        verbose_name=_("current account manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="current_clients",
        db_index=False,
    )

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["tier", "status"]),
            models.Index(fields=["current_manager", "name"], name="client_current_manager_name"),
            models.Index(fields=["current_manager", "industry"], name="client_current_manager_ind"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person at the client."""

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


class Assignment(ChoiceLabels, models.Model):
    """Who serves a client from start to end. At most one open row per client, enforced by the database."""

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="assignments")
    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="assignments"
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["client", "-start"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(end__isnull=True),
                name="one_active_manager_per_client",
                violation_error_message=_("This client already has an active account manager."),
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="assignment_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["manager", "end"])]

    def __str__(self) -> str:
        return f"{self.client} → {self.manager} ({self.start}–{self.end or '…'})"


class Interaction(ChoiceLabels, models.Model):
    """An interaction record (联系记录) with a client, by the manager or their assistant."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("visit")
        CALL = "call", _("call")
        EMAIL = "email", _("e-mail")
        MEETING = "meeting", _("meeting")
        EVENT = "event", _("event")

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="interactions")
    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="interactions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    summary = models.TextField(_("summary"))
    client_needs = models.TextField(_("client's needs"), blank=True)
    follow_up_date = models.DateField(_("follow-up date"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("interaction record")
        verbose_name_plural = _("interaction records")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["client", "-date"]), models.Index(fields=["manager", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_date__isnull=True) | Q(follow_up_date__gte=F("date")),
                name="follow_up_not_before_interaction",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.get_kind_display()} {self.date}"


class BusinessRecord(models.Model):
    """A client's business in one month: volume and the number of products or business lines used."""

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="business")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    volume = models.DecimalField(
        _("business volume"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    products_used = models.PositiveSmallIntegerField(_("products used"))

    class Meta:
        verbose_name = _("business record")
        verbose_name_plural = _("business records")
        ordering = ["client", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["client", "month"], name="one_business_record_per_client_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="business_month_is_first_day"),
        ]
        indexes = [models.Index(fields=["month", "client"])]

    def __str__(self) -> str:
        return f"{self.client} {self.month:%Y-%m}"


class Feedback(ChoiceLabels, models.Model):
    """A client's feedback: satisfaction, complaint, suggestion; tied to the client's manager on that date."""

    class Source(models.TextChoices):
        SURVEY = "survey", _("survey link")
        CALLBACK = "callback", _("call-back")
        COMPLAINT = "complaint", _("complaint")

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="feedback")
    manager = models.ForeignKey(
        AccountManager,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
    )
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    complaint = models.TextField(_("complaint"), blank=True)
    suggestion = models.TextField(_("suggestion"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["manager", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=False) | ~Q(complaint="") | ~Q(suggestion=""),
                name="feedback_says_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.date}"

    @property
    def is_complaint(self) -> bool:
        return bool(self.complaint)


class Report(ChoiceLabels, models.Model):
    """A manager's written report on a client; the manager answers for its truth (004 §八)."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("proposal report")
        RISK = "risk", _("risk analysis report")
        COMPOSITE = "composite", _("composite evaluation report")

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="reports")
    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="reports"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("report"))
    attests_truth = models.BooleanField(_("I answer for the truth of this report"), default=False)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(attests_truth=True), name="report_attests_truth")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class TieringRun(models.Model):
    """One run of the 80/20 tiering (核心客户): the window it ranked and what it found."""

    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    total_volume = models.DecimalField(_("total volume"), max_digits=20, decimal_places=2)
    core_count = models.PositiveIntegerField(_("core clients"))
    key_count = models.PositiveIntegerField(_("key clients"))
    ordinary_count = models.PositiveIntegerField(_("ordinary clients"))
    # Tiering never reassigns a client: a client whose manager's grade may not serve its new tier is listed here
    # for HR ({client_id, client, tier, manager_id, manager, grade}), as the run found it.
    needs_reassignment = models.JSONField(
        _("clients whose manager may not serve their tier"), default=list, blank=True, editable=False
    )
    # The 80/20 chart as the run ranked the clients: [rank, cumulative share of volume in percent] at about a
    # hundred sampled ranks, so the HR dashboard does not rank every client again on each view.
    pareto_points = models.JSONField(_("80/20 chart points"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("tiering run")
        verbose_name_plural = _("tiering runs")
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end} @ {self.computed_at:%Y-%m-%d %H:%M}"

    def summary(self) -> str:
        """What the run found, in a line (the job list shows it)."""
        return (
            f"window {self.period_start}–{self.period_end}: {self.core_count} core, {self.key_count} key, "
            f"{self.ordinary_count} ordinary; {self.changes.count()} changed; "
            f"{len(self.needs_reassignment)} need reassignment"
        )


class ClientTierChange(models.Model):
    """A change of a client's tier made by a tiering run: the history of tiers."""

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="tier_changes")
    run = models.ForeignKey(TieringRun, verbose_name=_("tiering run"), on_delete=models.CASCADE, related_name="changes")
    from_tier = models.CharField(_("from tier"), max_length=10, choices=ClientTier.choices)
    to_tier = models.CharField(_("to tier"), max_length=10, choices=ClientTier.choices)
    volume = models.DecimalField(_("volume in the window"), max_digits=20, decimal_places=2)
    cumulative_share = models.DecimalField(_("cumulative share"), max_digits=7, decimal_places=4)

    class Meta:
        verbose_name = _("client tier change")
        verbose_name_plural = _("client tier changes")
        ordering = ["-run__computed_at"]
        constraints = [models.UniqueConstraint(fields=["client", "run"], name="one_tier_change_per_client_run")]

    def __str__(self) -> str:
        return f"{self.client}: {self.from_tier} → {self.to_tier}"
