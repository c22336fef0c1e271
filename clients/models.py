"""Clients, their one manager at a time, and the work done for them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.choices import ClientTier
from managers.models import AccountManager


class Client(models.Model):
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
            # The admin's list of every client, in name order, read from an index instead of sorted.
            models.Index(fields=["name", "id"], name="client_name_id"),
            # The admin's industry filter lists the distinct industries by walking this index (clients.admin).
            models.Index(fields=["industry"], name="client_industry"),
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


class Assignment(models.Model):
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
        indexes = [
            models.Index(fields=["manager", "end"]),
            # The admin's list, newest first, read from an index instead of sorted.
            models.Index(fields=["start", "id"], name="assignment_start_id"),
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.manager} ({self.start}–{self.end or '…'})"


# Longest free texts of the work log, in characters. An interaction's summary and the client's needs take a call
# centre's note whole (the feed carries them as written, so the page and the API take the same); feedback's notes and a
# written report's body have their own limits.
SUMMARY_MAX_LENGTH = 10000
NOTE_MAX_LENGTH = 2000
REPORT_BODY_MAX_LENGTH = 20000


def _text_field(verbose_name: object, max_length: int, **kwargs: object) -> models.TextField:
    # A TextField's max_length only sizes the widget; the validator is what refuses a longer text on full_clean.
    return models.TextField(verbose_name, max_length=max_length, validators=[MaxLengthValidator(max_length)], **kwargs)


class WorkRecordQuerySet(models.QuerySet):
    """Interactions, feedback and reports: a withdrawn record is kept (with its history) but counts nowhere."""

    def counting(self) -> WorkRecordQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class WorkRecord(models.Model):
    """What the work log's records share: their author may withdraw them, within the correction window."""

    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawing"), max_length=300, blank=True)

    objects = WorkRecordQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Interaction(WorkRecord):
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
    summary = _text_field(_("summary"), SUMMARY_MAX_LENGTH)
    client_needs = _text_field(_("client's needs"), SUMMARY_MAX_LENGTH, blank=True)
    follow_up_date = models.DateField(_("follow-up date"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    external_ref = models.CharField(
        _("external reference"),
        max_length=100,
        blank=True,
        help_text=_("The record's id in the system it was fed from (a call centre); empty when entered here."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("interaction record")
        verbose_name_plural = _("interaction records")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["client", "-date"]),
            models.Index(fields=["manager", "date"]),
            # The admin's list in this ordering, read from an index instead of sorting a million rows.
            models.Index(fields=["date", "id"], name="interaction_date_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_date__isnull=True) | Q(follow_up_date__gte=F("date")),
                name="follow_up_not_before_interaction",
            ),
            # A feed loaded twice finds its rows by this reference instead of recording them again.
            models.UniqueConstraint(
                fields=["external_ref"], condition=~Q(external_ref=""), name="one_interaction_per_external_ref"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.get_kind_display()} {self.date}"


class BusinessRecord(models.Model):
    """A client's business in one month: volume, profit and the number of products or business lines used."""

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="business")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    volume = models.DecimalField(
        _("business volume"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    # Empty when not recorded (records kept before profit was); a loss is a negative profit.
    profit = models.DecimalField(
        _("profit"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The client's profit to the company in the month; negative for a loss; empty if not known."),
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


class Feedback(WorkRecord):
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
    complaint = _text_field(_("complaint"), NOTE_MAX_LENGTH, blank=True)
    suggestion = _text_field(_("suggestion"), NOTE_MAX_LENGTH, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Empty on feedback recorded before this was kept (and on survey answers): such feedback cannot be corrected.
    created_at = models.DateTimeField(_("recorded at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

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


class Report(WorkRecord):
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
    body = _text_field(_("report"), REPORT_BODY_MAX_LENGTH)
    attests_truth = models.BooleanField(_("I answer for the truth of this report"), default=False)
    # Who wrote it: the manager or their assistant (the manager answers for it either way). Empty on older reports.
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(attests_truth=True), name="report_attests_truth")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


def _percent(value: Decimal) -> str:
    """80.00 → "80", 82.50 → "82.5"."""
    return f"{Decimal(value).normalize():f}"


class BusinessCreditPolicy(models.Model):
    """How a client's business is credited to its managers when it changes hands within an appraisal period; one row
    per plan year, in force from that year until a later row."""

    class Mode(models.TextChoices):
        DAYS_SERVED = "days_served", _("split by the days each manager served the client")
        PERIOD_END_HOLDER = "period_end", _("all to the manager serving the client on the period's last day")

    year = models.PositiveSmallIntegerField(
        _("plan year"),
        unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("In force for appraisal periods ending in this year and later years, until a later row."),
    )
    mode = models.CharField(
        _("business credit"),
        max_length=20,
        choices=Mode.choices,
        default=Mode.DAYS_SERVED,
        help_text=_(
            "Split by days: a client's volume, growth, products and new-client credit go to each manager in "
            "proportion to the days they served it within the period (a client handed over on the 16th of a 30-day "
            "month: 15/30 to each). Period end: everything to the manager serving it on the period's last day."
        ),
    )

    class Meta:
        verbose_name = _("business credit rule")
        verbose_name_plural = _("business credit rules")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.get_mode_display()}"


class WorkLogPolicy(models.Model):
    """How long the author of an interaction, feedback or report may still correct or withdraw it; HR changes it.

    The row with the highest id is in force; without one, the default (24 hours)."""

    correction_window_hours = models.PositiveSmallIntegerField(
        _("correction window (hours)"),
        default=24,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_(
            "For how many hours after recording it the author may correct or withdraw an interaction record, feedback "
            "or a report; 0 allows no correction. The history of every change is kept."
        ),
    )

    class Meta:
        verbose_name = _("work log correction rule")
        verbose_name_plural = _("work log correction rules")

    def __str__(self) -> str:
        return str(_("Correct or withdraw within %(hours)s hours") % {"hours": self.correction_window_hours})


class TieringPolicy(models.Model):
    """The 80/20 rule's measure and cut-offs (核心客户); one row per plan year, in force from that year until a
    later row. Every tiering run records the values it used."""

    class Measure(models.TextChoices):
        VOLUME = "volume", _("business volume")
        PROFIT = "profit", _("profit")
        MIX = "mix", _("weighted mix of volume and profit shares")

    year = models.PositiveSmallIntegerField(
        _("plan year"),
        unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("In force for tiering runs made in this year and later years, until a later row."),
    )
    measure = models.CharField(
        _("ranking measure"),
        max_length=10,
        choices=Measure.choices,
        default=Measure.VOLUME,
        help_text=_(
            "What clients are ranked by over the last 12 full months. Mix: each client's share of the total volume "
            "and its share of the total profit, weighted (a loss counts as no profit)."
        ),
    )
    volume_weight = models.PositiveSmallIntegerField(
        _("volume weight %"),
        default=100,
        validators=[MaxValueValidator(100)],
        help_text=_("Volume's weight in the mix; volume alone is 100, profit alone 0. The two weights sum to 100."),
    )
    profit_weight = models.PositiveSmallIntegerField(
        _("profit weight %"), default=0, validators=[MaxValueValidator(100)], help_text=_("Profit's weight in the mix.")
    )
    core_share = models.DecimalField(
        _("core share %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("80"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("Core clients are the top of the ranking that together make this share of the measure (80/20)."),
    )
    key_share = models.DecimalField(
        _("key share %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("95"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("Key clients are the next ones, up to this cumulative share; the rest are ordinary."),
    )

    class Meta:
        verbose_name = _("tiering rule")
        verbose_name_plural = _("tiering rules")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(volume_weight__lte=100, profit_weight__lte=100) & Q(volume_weight=100 - F("profit_weight")),
                name="tiering_weights_sum_to_100",
            ),
            models.CheckConstraint(
                condition=Q(core_share__gt=0, core_share__lt=F("key_share"), key_share__lte=100),
                name="tiering_core_below_key_share",
            ),
            models.CheckConstraint(
                condition=Q(measure="volume", volume_weight=100)
                | Q(measure="profit", profit_weight=100)
                | Q(measure="mix", volume_weight__gt=0, profit_weight__gt=0),
                name="tiering_measure_matches_weights",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.describe()}"

    def describe(self) -> str:
        """The rule in a line, as a run records it."""
        measure = self.get_measure_display()
        if self.measure == self.Measure.MIX:
            measure = _("%(volume)s%% volume + %(profit)s%% profit") % {
                "volume": self.volume_weight,
                "profit": self.profit_weight,
            }
        return _("%(measure)s; core to %(core)s%%, key to %(key)s%%") % {
            "measure": measure,
            "core": _percent(self.core_share),
            "key": _percent(self.key_share),
        }

    def clean(self) -> None:
        super().clean()
        if self.measure == self.Measure.VOLUME:
            self.volume_weight, self.profit_weight = 100, 0
        elif self.measure == self.Measure.PROFIT:
            self.volume_weight, self.profit_weight = 0, 100
        elif not (self.volume_weight and self.profit_weight) or self.volume_weight + self.profit_weight != 100:
            raise ValidationError(
                {"profit_weight": _("A mix needs both weights above 0, summing to 100.")}, code="mix_weights"
            )
        if self.core_share is not None and self.key_share is not None and not self.core_share < self.key_share:
            raise ValidationError(
                {"key_share": _("The key share must be above the core share.")}, code="key_not_above_core"
            )


class TieringRun(models.Model):
    """One run of the 80/20 tiering (核心客户): the window it ranked, the rule it used and what it found."""

    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    # The rule as the run used it (the policy row may be edited later): its row, measure, weights and cut-offs.
    policy = models.ForeignKey(
        TieringPolicy,
        verbose_name=_("tiering rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        help_text=_("Empty when no rule row existed: the defaults (volume; 80 %, 95 %) were used."),
    )
    measure = models.CharField(
        _("ranking measure"), max_length=10, choices=TieringPolicy.Measure.choices, default=TieringPolicy.Measure.VOLUME
    )
    volume_weight = models.PositiveSmallIntegerField(_("volume weight %"), default=100)
    profit_weight = models.PositiveSmallIntegerField(_("profit weight %"), default=0)
    core_share = models.DecimalField(_("core share %"), max_digits=5, decimal_places=2, default=Decimal("80"))
    key_share = models.DecimalField(_("key share %"), max_digits=5, decimal_places=2, default=Decimal("95"))
    total_volume = models.DecimalField(_("total of the ranking measure"), max_digits=20, decimal_places=2)
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

    def rule(self) -> str:
        """The rule the run used, in a line."""
        return TieringPolicy(
            measure=self.measure,
            volume_weight=self.volume_weight,
            profit_weight=self.profit_weight,
            core_share=self.core_share,
            key_share=self.key_share,
        ).describe()

    def summary(self) -> str:
        """What the run found, in a line (the job list shows it)."""
        return (
            f"window {self.period_start}–{self.period_end} ({self.rule()}): "
            f"{self.core_count} core, {self.key_count} key, "
            f"{self.ordinary_count} ordinary; {self.changes.count()} changed; "
            f"{len(self.needs_reassignment)} need reassignment"
        )


class ClientTierChange(models.Model):
    """A change of a client's tier made by a tiering run: the history of tiers."""

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="tier_changes")
    run = models.ForeignKey(TieringRun, verbose_name=_("tiering run"), on_delete=models.CASCADE, related_name="changes")
    from_tier = models.CharField(_("from tier"), max_length=10, choices=ClientTier.choices)
    to_tier = models.CharField(_("to tier"), max_length=10, choices=ClientTier.choices)
    volume = models.DecimalField(_("ranking measure in the window"), max_digits=20, decimal_places=2)
    cumulative_share = models.DecimalField(_("cumulative share"), max_digits=7, decimal_places=4)

    class Meta:
        verbose_name = _("client tier change")
        verbose_name_plural = _("client tier changes")
        ordering = ["-run__computed_at"]
        constraints = [models.UniqueConstraint(fields=["client", "run"], name="one_tier_change_per_client_run")]

    def __str__(self) -> str:
        return f"{self.client}: {self.from_tier} → {self.to_tier}"


class FeedRun(models.Model):
    """One load of a feed from another system (business records, call-centre interactions): who ran it, when, how far
    it has got, what it changed and the rows it refused, with why."""

    class Kind(models.TextChoices):
        BUSINESS_RECORDS = "business_records", _("business records")
        INTERACTIONS = "interactions", _("interactions")

    class Source(models.TextChoices):
        API = "api", _("API")
        COMMAND = "command", _("command")

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        REFUSED = "refused", _("refused: nothing written")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    all_or_nothing = models.BooleanField(_("all or nothing"), default=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    # Progress: rows is the rows read so far (per batch while running), rows_total those in the feed.
    rows = models.PositiveIntegerField(_("rows seen"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in the feed"), null=True, blank=True)
    # The stored request body a job reads (clients.imports' storage, purged after ImportPolicy's retention).
    payload = models.CharField(_("stored feed"), max_length=32, blank=True, editable=False)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    refused_count = models.PositiveIntegerField(_("refused"), default=0)
    # The first refused rows (the count covers them all): [{"line", "key", "errors": {column: [message, ...]}}].
    refusals = models.JSONField(_("refused rows"), default=list, blank=True)

    class Meta:
        verbose_name = _("feed run")
        verbose_name_plural = _("feed runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} {self.get_state_display()}"


class ImportPolicy(models.Model):
    """How long uploaded import files and their check reports are kept (one row; HR edits it in the admin)."""

    keep_uploads_days = models.PositiveIntegerField(
        _("keep import uploads (days)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("Uploaded import files and their reports older than this are deleted every night."),
    )

    class Meta:
        verbose_name = _("import policy")
        verbose_name_plural = _("import policy")

    def __str__(self) -> str:
        return str(_("Import policy"))

    @classmethod
    def current(cls) -> ImportPolicy:
        """The one row (created with the default the first time it is asked for)."""
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
