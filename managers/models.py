"""The people and their grades: departments, grades, account managers, grade history, qualification,
certification, assistants, training and targets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.choices import ClientTier
from core.names import display_name
from core.validators import NOT_NEGATIVE, PLAUSIBLE_DATE, PLAUSIBLE_PERSONAL_DATE, period_ordered

SCORE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Education(models.IntegerChoices):
    """Education levels, ordered so that "associate degree or higher" is a comparison."""

    SECONDARY = 10, _("secondary school")
    ASSOCIATE = 20, _("associate degree (大专)")
    BACHELOR = 30, _("bachelor's degree")
    MASTER = 40, _("master's degree")
    DOCTORATE = 50, _("doctorate")


class Department(models.Model):
    """A client department (客户部门) with its head (客户部门主管)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("department head"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="headed_departments",
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Grade(models.Model):
    """A grade of account manager (等级): pay, allowance, which client tiers it may serve, whom it may supervise."""

    class Code(models.TextChoices):
        SENIOR = "senior", _("senior account manager")
        FIRST = "first", _("first-level account manager")
        SECOND = "second", _("second-level account manager")
        TRAINEE = "trainee", _("trainee account manager")

    code = models.CharField(_("code"), max_length=20, choices=Code.choices, unique=True)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True, help_text=_("Higher is more senior."))
    base_salary = models.DecimalField(_("base salary"), max_digits=10, decimal_places=2, validators=NOT_NEGATIVE)
    marketing_allowance = models.DecimalField(
        _("marketing expense allowance"), max_digits=10, decimal_places=2, validators=NOT_NEGATIVE
    )
    serves_core = models.BooleanField(_("may serve core clients"), default=False)
    serves_key = models.BooleanField(_("may serve key clients"), default=False)
    serves_ordinary = models.BooleanField(_("may serve ordinary clients"), default=True)
    may_supervise = models.ManyToManyField(
        "self", verbose_name=_("grades it may supervise"), symmetrical=False, blank=True, related_name="supervised_by"
    )
    job_description = models.TextField(_("job description"), blank=True, help_text=_("岗位说明书"))
    conditions = models.TextField(_("qualification requirements"), blank=True, help_text=_("任职条件, as text"))
    min_years_experience = models.DecimalField(
        _("minimum years of similar work"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("1"),
        validators=NOT_NEGATIVE,
    )
    required_prior_grade = models.ForeignKey(
        "self",
        verbose_name=_("prior grade required"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    min_months_in_prior_grade = models.PositiveSmallIntegerField(_("minimum months in the prior grade"), default=0)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        ordering = ["-rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(base_salary__gte=0, marketing_allowance__gte=0), name="grade_money_not_negative"
            ),
            models.CheckConstraint(condition=Q(min_years_experience__gte=0), name="grade_years_not_negative"),
        ]

    def __str__(self) -> str:
        return str(self.get_code_display())

    @property
    def client_tiers(self) -> set[str]:
        flags = {
            ClientTier.CORE: self.serves_core,
            ClientTier.KEY: self.serves_key,
            ClientTier.ORDINARY: self.serves_ordinary,
        }
        return {tier for tier, allowed in flags.items() if allowed}

    def may_serve(self, tier: str) -> bool:
        return tier in self.client_tiers


class AccountManagerQuerySet(models.QuerySet):
    def with_grade(self, day: date | None = None) -> AccountManagerQuerySet:
        """Annotate grade_id_on: the grade in force on the day, from the GradeChange history (one subquery)."""
        day = day or timezone.localdate()
        latest = (
            GradeChange.objects.filter(manager=OuterRef("pk"), effective_date__lte=day)
            .order_by("-effective_date", "-pk")
            .values("to_grade")[:1]
        )
        return self.annotate(grade_id_on=Subquery(latest))

    def active(self) -> AccountManagerQuerySet:
        return self.filter(status=AccountManager.Status.ACTIVE)


class AccountManager(models.Model):
    """An account manager (客户经理). The grade is not a field: it follows from the GradeChange history.

    Who may supervise whom depends on both grades, so managers.services.supervisor_validate checks it: the services
    and the admin form call it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        LEFT = "left", _("left")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="account_manager"
    )
    employee_no = models.CharField(_("employee number"), max_length=30, unique=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="managers"
    )
    supervisor = models.ForeignKey(
        "self",
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subordinates",
    )
    hire_date = models.DateField(_("hire date"), validators=PLAUSIBLE_PERSONAL_DATE)
    education = models.PositiveSmallIntegerField(_("education"), choices=Education.choices)
    years_experience = models.DecimalField(
        _("years of similar work"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    good_ethics = models.BooleanField(_("good professional ethics"), default=True)
    bad_business_record = models.BooleanField(_("has a bad business record"), default=False)
    healthy = models.BooleanField(_("in good health"), default=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    history = HistoricalRecords()

    objects = AccountManagerQuerySet.as_manager()

    class Meta:
        verbose_name = _("account manager")
        verbose_name_plural = _("account managers")
        ordering = ["employee_no"]
        constraints = [
            models.CheckConstraint(condition=~Q(supervisor=F("pk")), name="manager_not_own_supervisor"),
        ]

    def __str__(self) -> str:
        return f"{display_name(self.user)} ({self.employee_no})"

    @property
    def name(self) -> str:
        return display_name(self.user)

    def grade_on(self, day: date | None = None) -> Grade | None:
        """The grade in force on the day (today by default), or None before the first GradeChange."""
        day = day or timezone.localdate()
        change = (
            self.grade_changes.filter(effective_date__lte=day)
            .select_related("to_grade")
            .order_by("-effective_date", "-pk")
            .first()
        )
        return change.to_grade if change else None

    @property
    def grade(self) -> Grade | None:
        return self.grade_on()


class GradeChange(models.Model):
    """A change of grade (等级升降). Never edited: a correction is a new change. The current grade follows these."""

    class Reason(models.TextChoices):
        CERTIFICATION = "certification", _("certification")
        APPRAISAL = "appraisal", _("appraisal result")
        DISCIPLINE = "discipline", _("discipline")
        REQUEST = "request", _("own request")

    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="grade_changes"
    )
    from_grade = models.ForeignKey(
        Grade, verbose_name=_("from grade"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_grade = models.ForeignKey(Grade, verbose_name=_("to grade"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True)
    effective_date = models.DateField(_("effective date"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")
        ordering = ["manager", "-effective_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "effective_date"], name="one_grade_change_per_manager_per_day"),
        ]
        indexes = [models.Index(fields=["manager", "effective_date"])]

    def __str__(self) -> str:
        return f"{self.manager}: {self.from_grade or '—'} → {self.to_grade} ({self.effective_date})"


class CertificationScheme(models.Model):
    """The weights of the selection assessment (审查测评), summing to 100, and its pass mark."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    weight_education = models.PositiveSmallIntegerField(_("education weight"), validators=[MaxValueValidator(100)])
    weight_experience = models.PositiveSmallIntegerField(_("experience weight"), validators=[MaxValueValidator(100)])
    weight_track_record = models.PositiveSmallIntegerField(
        _("track record weight"), validators=[MaxValueValidator(100)]
    )
    weight_written = models.PositiveSmallIntegerField(_("written test weight"), validators=[MaxValueValidator(100)])
    weight_interview = models.PositiveSmallIntegerField(_("interview weight"), validators=[MaxValueValidator(100)])
    pass_mark = models.DecimalField(_("pass mark"), max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS)
    entry_grade = models.ForeignKey(Grade, verbose_name=_("entry grade"), on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("certification scheme")
        verbose_name_plural = _("certification schemes")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    weight_education=100
                    - F("weight_experience")
                    - F("weight_track_record")
                    - F("weight_written")
                    - F("weight_interview")
                ),
                name="certification_weights_sum_to_100",
                violation_error_message=_("The five weights must add up to 100."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weights(self) -> list[int]:
        return [
            self.weight_education,
            self.weight_experience,
            self.weight_track_record,
            self.weight_written,
            self.weight_interview,
        ]

    def clean(self) -> None:
        weights = self.weights
        if all(weight is not None for weight in weights) and sum(weights) != 100:
            raise ValidationError(
                _("The five weights must add up to 100; they add up to %(total)s.") % {"total": sum(weights)}
            )


class Certification(models.Model):
    """A candidate's selection assessment (审查测评): five scores, the composite and the decision."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("pending")
        PASSED = "passed", _("passed")
        FAILED = "failed", _("failed")

    scheme = models.ForeignKey(CertificationScheme, verbose_name=_("scheme"), on_delete=models.PROTECT)
    first_name = models.CharField(_("given name"), max_length=150)
    last_name = models.CharField(_("family name"), max_length=150)
    email = models.EmailField(_("e-mail"), blank=True)
    employee_no = models.CharField(_("employee number"), max_length=30)
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT)
    hire_date = models.DateField(_("hire date"), validators=PLAUSIBLE_PERSONAL_DATE)
    education = models.PositiveSmallIntegerField(_("education"), choices=Education.choices)
    years_experience = models.DecimalField(
        _("years of similar work"), max_digits=4, decimal_places=1, validators=NOT_NEGATIVE
    )
    good_ethics = models.BooleanField(_("good professional ethics"), default=True)
    bad_business_record = models.BooleanField(_("has a bad business record"), default=False)
    healthy = models.BooleanField(_("in good health"), default=True)
    score_education = models.DecimalField(
        _("education score"), max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS
    )
    score_experience = models.DecimalField(
        _("experience score"), max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS
    )
    score_track_record = models.DecimalField(
        _("track record score"), max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS
    )
    score_written = models.DecimalField(
        _("written test score"), max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS
    )
    score_interview = models.DecimalField(
        _("interview score"), max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS
    )
    composite = models.DecimalField(_("composite score"), max_digits=5, decimal_places=2, null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    manager = models.OneToOneField(
        AccountManager,
        verbose_name=_("account manager created"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certification",
    )

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.last_name}{self.first_name} ({self.employee_no}): {self.get_outcome_display()}"


class Assistant(models.Model):
    """A key-account assistant (大客户经理助理) working for one manager."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="assistant"
    )
    manager = models.ForeignKey(
        AccountManager, verbose_name=_("works for"), on_delete=models.PROTECT, related_name="assistants"
    )
    active = models.BooleanField(_("active"), default=True)
    # Whom an assistant works for decides which clients they see: every change is audited.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("key-account assistant")
        verbose_name_plural = _("key-account assistants")

    def __str__(self) -> str:
        return display_name(self.user)


class AssistantKpi(models.Model):
    """An assistant's monthly KPIs (seed 001): the figures are computed from the work the assistant recorded
    (clients.services.assistant_kpis_compute); the contacts target and the qualitative marks are HR's."""

    class Mark(models.TextChoices):
        EXCELLENT = "excellent", _("excellent")
        GOOD = "good", _("good")
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")

    assistant = models.ForeignKey(Assistant, verbose_name=_("assistant"), on_delete=models.CASCADE, related_name="kpis")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    contacts_target = models.PositiveIntegerField(
        _("maintenance contacts target"), null=True, blank=True, help_text=_("Set by HR; empty when none is set.")
    )
    contacts_done = models.PositiveIntegerField(
        _("maintenance contacts made"),
        default=0,
        help_text=_("Computed: interaction records the assistant recorded, dated in the month."),
    )
    reports_written = models.PositiveIntegerField(
        _("reports written"), default=0, help_text=_("Computed: client reports the assistant wrote in the month.")
    )
    follow_ups_due = models.PositiveIntegerField(
        _("follow-ups due"),
        default=0,
        help_text=_("Computed: follow-up dates in the month, of the interactions the assistant recorded."),
    )
    follow_ups_kept = models.PositiveIntegerField(
        _("follow-ups kept"),
        default=0,
        help_text=_("Computed: of those, the ones followed by an interaction with the client by the follow-up date."),
    )
    satisfaction = models.DecimalField(
        _("client satisfaction"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
        help_text=_(
            "Computed: mean satisfaction (1–5, × 20) of the feedback on the manager's clients in the month; empty "
            "when no client answered."
        ),
    )
    sales_growth_pct = models.DecimalField(
        _("sales growth %"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Computed: business volume of the manager's clients in the month against the month before; empty when "
            "there was none before."
        ),
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True, editable=False)
    mark = models.CharField(
        _("HR's mark"), max_length=10, choices=Mark.choices, blank=True, help_text=_("HR's qualitative mark.")
    )
    quarterly_review = models.TextField(_("quarterly review"), blank=True, help_text=_("HR's qualitative review."))

    class Meta:
        verbose_name = _("assistant KPI")
        verbose_name_plural = _("assistant KPIs")
        constraints = [models.UniqueConstraint(fields=["assistant", "month"], name="one_kpi_per_assistant_month")]
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.assistant} {self.month:%Y-%m}"


class TrainingRecord(models.Model):
    """Training a manager took (internal, external, professional ethics)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("internal training")
        EXTERNAL = "external", _("external training")
        ETHICS = "ethics", _("professional ethics training")

    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.CASCADE, related_name="trainings"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    start = models.DateField(_("start"), validators=PLAUSIBLE_PERSONAL_DATE)
    end = models.DateField(_("end"), validators=PLAUSIBLE_PERSONAL_DATE)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    result = models.CharField(_("result"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-start"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=F("start")), name="training_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.title} ({self.start})"

    def clean(self) -> None:
        period_ordered(self.start, self.end, end_field="end")


class Target(models.Model):
    """A work plan target (工作计划 / 任务指标) of a manager for a period; may be split down the supervision line."""

    class Horizon(models.TextChoices):
        SHORT = "short", _("short-term")
        MIDDLE = "middle", _("middle-term")
        LONG = "long", _("long-term")

    manager = models.ForeignKey(
        AccountManager, verbose_name=_("account manager"), on_delete=models.PROTECT, related_name="targets"
    )
    horizon = models.CharField(_("horizon"), max_length=10, choices=Horizon.choices, default=Horizon.SHORT)
    period_start = models.DateField(_("period start"), validators=PLAUSIBLE_DATE)
    period_end = models.DateField(_("period end"), validators=PLAUSIBLE_DATE)
    business_volume = models.DecimalField(
        _("business volume target"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    new_clients = models.PositiveIntegerField(_("new clients target"))
    interactions = models.PositiveIntegerField(_("interactions target"))
    goals = models.TextField(_("goals"), blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("split from"), on_delete=models.PROTECT, null=True, blank=True, related_name="parts"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["-period_start", "manager"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="target_period_ordered"),
            models.UniqueConstraint(
                fields=["manager", "horizon", "period_start", "period_end"], name="one_target_per_manager_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manager} {self.period_start}–{self.period_end}"

    def clean(self) -> None:
        period_ordered(self.period_start, self.period_end, end_field="period_end")
