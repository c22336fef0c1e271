"""Business rules of managers and grades (writes). Every path — forms, admin, imports, tasks — calls these."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import GROUP_NAMES, Role
from managers.models import AccountManager, Certification, Department, Grade, GradeChange, Target
from managers.qualification import qualification_check
from managers.selectors import manager_line

CENT = Decimal("0.01")


def _supervision_refusal(*, supervisor_grade: Grade, own_grade: Grade) -> bool:
    """True when a holder of supervisor_grade may NOT supervise a holder of own_grade."""
    if supervisor_grade.rank <= own_grade.rank:
        return True
    # may_supervise is usually prefetched by callers that loop; .all() uses that cache.
    return own_grade.pk not in {g.pk for g in supervisor_grade.may_supervise.all()}


def supervisor_validate(*, manager: AccountManager, supervisor: AccountManager) -> None:
    """Refuse a supervisor who does not hold a higher grade that may supervise the manager's grade."""
    if manager.pk and supervisor.pk == manager.pk:
        raise ValidationError({"supervisor": _("A manager cannot supervise themselves.")})
    own = manager.grade_on() if manager.pk else None
    theirs = supervisor.grade_on()
    if theirs is None:
        raise ValidationError({"supervisor": _("%(supervisor)s holds no grade yet.") % {"supervisor": supervisor}})
    if own is not None and _supervision_refusal(supervisor_grade=theirs, own_grade=own):
        raise ValidationError(
            {
                "supervisor": _(
                    "A %(their_grade)s may not supervise a %(own_grade)s: the supervisor must hold a "
                    "higher grade that may supervise it."
                )
                % {"their_grade": theirs, "own_grade": own}
            }
        )


def _grade_supervision_check(*, manager: AccountManager, grade: Grade, day: date) -> None:
    """Refuse the grade for the manager on the day if it breaks the supervisor rule with their supervisor or team."""
    problems: list[str] = []
    supervisor = manager.supervisor
    if supervisor is not None:
        theirs = supervisor.grade_on(day)
        if theirs is None or _supervision_refusal(supervisor_grade=theirs, own_grade=grade):
            problems.append(
                _("their supervisor %(supervisor)s (%(their_grade)s) may not supervise a %(grade)s")
                % {"supervisor": supervisor.name, "their_grade": theirs or "—", "grade": grade}
            )
    subordinates = manager.subordinates.exclude(status=AccountManager.Status.LEFT).select_related("user")
    for subordinate in subordinates:
        theirs = subordinate.grade_on(day)
        if theirs is not None and _supervision_refusal(supervisor_grade=grade, own_grade=theirs):
            problems.append(
                _("a %(grade)s may not supervise %(subordinate)s (%(their_grade)s)")
                % {"grade": grade, "subordinate": subordinate.name, "their_grade": theirs}
            )
    if problems:
        raise ValidationError(
            _("%(manager)s cannot become %(grade)s on %(day)s: %(problems)s. Change the supervisor first.")
            % {"manager": manager.name, "grade": grade, "day": day, "problems": "; ".join(problems)}
        )


@transaction.atomic
def grade_change(
    *,
    manager: AccountManager,
    to_grade: Grade,
    reason: str,
    effective_date: date,
    approved_by: AbstractBaseUser,
    note: str = "",
) -> GradeChange:
    """Record a promotion or demotion (等级升降) from the effective date; the grade held the day before is `from`."""
    # Lock the manager so two concurrent changes cannot both read the same "from" grade.
    AccountManager.objects.select_for_update().filter(pk=manager.pk).first()
    from_grade = manager.grade_on(effective_date - timedelta(days=1))
    if from_grade is not None and from_grade.pk == to_grade.pk:
        raise ValidationError(
            _("%(manager)s already holds the grade %(grade)s on %(day)s: nothing to change.")
            % {"manager": manager.name, "grade": to_grade, "day": effective_date}
        )
    if manager.grade_changes.filter(effective_date=effective_date).exists():
        raise ValidationError(
            _("%(manager)s already has a grade change on %(day)s; record a later one instead.")
            % {"manager": manager.name, "day": effective_date}
        )
    _grade_supervision_check(manager=manager, grade=to_grade, day=effective_date)
    change = GradeChange(
        manager=manager,
        from_grade=from_grade,
        to_grade=to_grade,
        reason=reason,
        note=note,
        effective_date=effective_date,
        approved_by=approved_by,
    )
    change.full_clean()
    change.save()
    return change


@transaction.atomic
def manager_set_supervisor(*, manager: AccountManager, supervisor: AccountManager | None) -> AccountManager:
    """Put the manager under a supervisor (or none); the supervisor must hold a higher grade that may supervise."""
    if supervisor is not None:
        supervisor_validate(manager=manager, supervisor=supervisor)
    manager.supervisor = supervisor
    manager.full_clean()
    manager.save(update_fields=["supervisor"])
    return manager


@transaction.atomic
def manager_create(
    *,
    user: User,
    employee_no: str,
    department: Department,
    hire_date: date,
    education: int,
    years_experience: Decimal,
    grade: Grade,
    effective_date: date | None = None,
    reason: str = GradeChange.Reason.CERTIFICATION,
    approved_by: AbstractBaseUser | None = None,
    supervisor: AccountManager | None = None,
    good_ethics: bool = True,
    bad_business_record: bool = False,
    healthy: bool = True,
) -> AccountManager:
    """Create an account manager and the GradeChange that gives them their first grade."""
    effective_date = effective_date or hire_date
    manager = AccountManager(
        user=user,
        employee_no=employee_no,
        department=department,
        hire_date=hire_date,
        education=education,
        years_experience=years_experience,
        supervisor=supervisor,
        good_ethics=good_ethics,
        bad_business_record=bad_business_record,
        healthy=healthy,
    )
    if supervisor is not None:
        supervisor_validate(manager=manager, supervisor=supervisor)
    manager.full_clean()
    manager.save()
    # The new manager has no subordinates yet, so only the supervisor side of the rule can fail.
    _grade_supervision_check(manager=manager, grade=grade, day=effective_date)
    change = GradeChange(
        manager=manager, to_grade=grade, reason=reason, effective_date=effective_date, approved_by=approved_by
    )
    # GradeChange.approved_by may be null (a first grade recorded with no approver) but is not blank=True, so
    # full_clean would refuse the None this service allows.
    change.full_clean(exclude=["approved_by"] if approved_by is None else None)
    change.save()
    return manager


def certification_composite(*, certification: Certification) -> Decimal:
    """The weighted composite Σ weight × score / 100, to two places, half up."""
    scheme = certification.scheme
    pairs = [
        (scheme.weight_education, certification.score_education),
        (scheme.weight_experience, certification.score_experience),
        (scheme.weight_track_record, certification.score_track_record),
        (scheme.weight_written, certification.score_written),
        (scheme.weight_interview, certification.score_interview),
    ]
    total = sum((Decimal(weight) * Decimal(score) for weight, score in pairs), Decimal("0"))
    return (total / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def certification_decide(
    *, certification: Certification, decided_by: AbstractBaseUser, day: date | None = None
) -> Certification:
    """Decide a selection assessment (审查测评): passing creates the manager at the entry grade, failing says why."""
    day = day or timezone.localdate()
    certification = (
        Certification.objects.select_for_update().select_related("scheme__entry_grade").get(pk=certification.pk)
    )
    if certification.outcome != Certification.Outcome.PENDING:
        raise ValidationError(
            _("The certification of %(candidate)s was already decided (%(outcome)s).")
            % {"candidate": _candidate_name(certification), "outcome": certification.get_outcome_display()}
        )
    scheme = certification.scheme
    composite = certification_composite(certification=certification)
    failures = qualification_check(person=certification, grade=scheme.entry_grade, day=day)
    if composite < scheme.pass_mark:
        failures.insert(
            0,
            _("The composite score %(composite)s is below the pass mark %(pass_mark)s.")
            % {"composite": composite, "pass_mark": scheme.pass_mark},
        )
    certification.composite = composite
    certification.decided_by = decided_by
    certification.decided_at = timezone.now()
    if failures:
        certification.outcome = Certification.Outcome.FAILED
        certification.reason = "\n".join(failures)
    else:
        certification.manager = _manager_from_certification(
            certification=certification, day=day, approved_by=decided_by
        )
        certification.outcome = Certification.Outcome.PASSED
        certification.reason = _(
            "Composite score %(composite)s reaches the pass mark %(pass_mark)s and the qualification requirements "
            "are met; appointed %(grade)s from %(day)s."
        ) % {"composite": composite, "pass_mark": scheme.pass_mark, "grade": scheme.entry_grade, "day": day}
    certification.full_clean()
    certification.save()
    return certification


def _candidate_name(certification: Certification) -> str:
    return f"{certification.last_name}{certification.first_name}"


def _manager_from_certification(
    *, certification: Certification, day: date, approved_by: AbstractBaseUser
) -> AccountManager:
    """The user and manager a passed certification creates (no password: they set one through HR's reset)."""
    username = certification.employee_no.lower()
    if User.objects.filter(username=username).exists():
        raise ValidationError(
            _("A user named %(username)s already exists; check the employee number.") % {"username": username}
        )
    if AccountManager.objects.filter(employee_no=certification.employee_no).exists():
        raise ValidationError(
            _("The employee number %(no)s is already an account manager's.") % {"no": certification.employee_no}
        )
    user = User(
        username=username,
        first_name=certification.first_name,
        last_name=certification.last_name,
        email=certification.email,
    )
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.ACCOUNT_MANAGER])[0])
    return manager_create(
        user=user,
        employee_no=certification.employee_no,
        department=certification.department,
        hire_date=certification.hire_date,
        education=certification.education,
        years_experience=certification.years_experience,
        grade=certification.scheme.entry_grade,
        effective_date=day,
        reason=GradeChange.Reason.CERTIFICATION,
        approved_by=approved_by,
        good_ethics=certification.good_ethics,
        bad_business_record=certification.bad_business_record,
        healthy=certification.healthy,
    )


def _split_exactly(total: Decimal, shares: list[Decimal], unit: Decimal) -> list[Decimal]:
    """Split total by shares into multiples of unit that sum exactly to total (largest remainder method)."""
    raw = [total * share for share in shares]
    parts = [(value / unit).to_integral_value(rounding=ROUND_DOWN) * unit for value in raw]
    leftover = int(((total - sum(parts, Decimal("0"))) / unit).to_integral_value(rounding=ROUND_HALF_UP))
    # The units lost to rounding down go to the largest remainders, ties to the earlier row (deterministic).
    order = sorted(range(len(shares)), key=lambda i: (-(raw[i] - parts[i]), i))
    for index in order[:leftover]:
        parts[index] += unit
    return parts


@transaction.atomic
def target_split(*, target: Target, shares: dict[AccountManager, Decimal]) -> list[Target]:
    """Split a supervisor's target (任务指标) down their line; shares sum to 1 and the parts sum to the parent."""
    if not shares:
        raise ValidationError(_("Give at least one manager a share of the target."))
    if any(Decimal(share) <= 0 for share in shares.values()):
        raise ValidationError(_("Every share must be greater than zero."))
    total_share = sum((Decimal(share) for share in shares.values()), Decimal("0"))
    if total_share != 1:
        raise ValidationError(_("The shares add up to %(total)s; they must add up to 1.") % {"total": total_share})
    if target.parts.exists():
        raise ValidationError(_("This target has already been split."))
    line_ids = set(manager_line(target.manager).values_list("pk", flat=True))
    outside = [m.name for m in shares if m.pk not in line_ids or m.pk == target.manager_id]
    if outside:
        raise ValidationError(
            _("Not below %(supervisor)s in their line: %(names)s.")
            % {"supervisor": target.manager.name, "names": ", ".join(sorted(outside))}
        )
    managers = sorted(shares, key=lambda m: m.employee_no)
    share_list = [Decimal(shares[m]) for m in managers]
    volumes = _split_exactly(target.business_volume, share_list, CENT)
    clients = _split_exactly(Decimal(target.new_clients), share_list, Decimal(1))
    interactions = _split_exactly(Decimal(target.interactions), share_list, Decimal(1))
    taken = Target.objects.filter(
        manager__in=managers, horizon=target.horizon, period_start=target.period_start, period_end=target.period_end
    ).select_related("manager__user")
    if taken:
        raise ValidationError(
            _("Already have a target for this period: %(names)s.")
            % {"names": ", ".join(sorted(t.manager.name for t in taken))}
        )
    parts = []
    for manager, volume, new_clients, interaction_count in zip(managers, volumes, clients, interactions, strict=True):
        part = Target(
            manager=manager,
            horizon=target.horizon,
            period_start=target.period_start,
            period_end=target.period_end,
            business_volume=volume,
            new_clients=int(new_clients),
            interactions=int(interaction_count),
            goals=target.goals,
            parent=target,
        )
        part.full_clean()
        part.save()
        parts.append(part)
    return parts
