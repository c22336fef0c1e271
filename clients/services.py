"""Business rules of clients (writes): assignment, the work log, feedback, reports, business records.

Every path — browser forms, the admin, CSV imports, tasks and the shell — calls these functions, so the rules hold
whichever way the data comes in. What must hold even against a bug is also a database constraint (one open
assignment per client, follow-up not before the interaction, feedback says something, reports attest truth).

Dates of an assignment are inclusive: ``start`` is the first day the manager serves the client and ``end`` the
last. Reassigning on day D closes the open assignment on D - 1 (the old manager serves up to the day before), so
on every day exactly one manager is the client's manager. The one exception is a same-day correction: when the
open assignment itself started on D, it cannot end before it started, so it is closed with ``end = D``; on that day
the newer assignment wins (clients.selectors.client_assignment_on takes the latest start, then the latest row).
"""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Assignment, BusinessRecord, Client, Feedback, Interaction, Report, WorkRecord
from clients.selectors import client_manager_on, work_log_policy
from core.choices import ClientTier
from managers.models import AccountManager, Assistant, AssistantKpi

# The fields of a client a user may write; the tier is not among them: only the 80/20 tiering sets it.
CLIENT_EDITABLE_FIELDS = ("name", "registration_code", "industry", "size", "status", "address")


def tier_name(tier: str) -> str:
    """The tier as an adjective for messages ("core", "key", "ordinary"), translated."""
    names = {ClientTier.CORE: _("core"), ClientTier.KEY: _("key"), ClientTier.ORDINARY: _("ordinary")}
    return names[ClientTier(tier)]


def _open_assignment(*, client: Client) -> Assignment | None:
    """The client's open assignment, locked until the end of the transaction (PostgreSQL; SQLite locks the file)."""
    return Assignment.objects.select_for_update().filter(client=client, end__isnull=True).first()


def manager_may_serve_validate(*, manager: AccountManager, tier: str, day: date) -> None:
    """Refuse a manager who is not active or whose grade on the day may not serve the tier."""
    if manager.status != AccountManager.Status.ACTIVE:
        raise ValidationError(
            _("%(manager)s is not an active account manager (status: %(status)s) and cannot take clients.")
            % {"manager": manager, "status": manager.get_status_display()},
            code="manager_not_active",
        )
    grade = manager.grade_on(day)
    if grade is None:
        raise ValidationError(
            _("%(manager)s holds no grade on %(day)s and cannot take clients.") % {"manager": manager, "day": day},
            code="manager_without_grade",
        )
    if tier not in grade.client_tiers:
        raise ValidationError(
            _("A %(grade)s may not serve %(tier)s clients (%(manager)s on %(day)s).")
            % {"grade": grade, "tier": tier_name(tier), "manager": manager, "day": day},
            code="grade_may_not_serve_tier",
        )


# --- assignment -------------------------------------------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *,
    client: Client,
    manager: AccountManager,
    start: date,
    reason: str,
    created_by: AbstractBaseUser | None = None,
) -> Assignment:
    """Make the manager the client's one account manager from start; the open assignment is ended, never edited."""
    manager_may_serve_validate(manager=manager, tier=client.tier, day=start)
    current = _open_assignment(client=client)
    if current is not None:
        if current.manager_id == manager.pk:
            raise ValidationError(
                _("%(manager)s already serves %(client)s since %(start)s.")
                % {"manager": manager, "client": client, "start": current.start},
                code="already_assigned",
            )
        if start < current.start:
            raise ValidationError(
                _(
                    "The new assignment cannot start on %(start)s, before the current one (%(manager)s since "
                    "%(current_start)s): the history is never rewritten."
                )
                % {"start": start, "manager": current.manager, "current_start": current.start},
                code="start_before_current",
            )
        current.end = max(start - timedelta(days=1), current.start)
        current.save(update_fields=["end"])
    assignment = Assignment(client=client, manager=manager, start=start, reason=reason, created_by=created_by)
    # The one-open-row rule is left to the database (below): a check here would race with a concurrent request.
    # created_by may be empty (imports, tasks, the shell) although the model field is not blank=True.
    assignment.full_clean(exclude=["created_by"] if created_by is None else None, validate_constraints=False)
    return _assignment_insert(assignment)


def _assignment_insert(assignment: Assignment) -> Assignment:
    """Insert the row; a concurrent assignment of the same client that committed first becomes a clear error."""
    try:
        with transaction.atomic():  # a savepoint, so the failed INSERT leaves the transaction usable
            assignment.save()
    except IntegrityError as exc:
        competing = (
            Assignment.objects.filter(client_id=assignment.client_id, end__isnull=True)
            .select_related("manager__user")
            .first()
        )
        if competing is None:
            raise
        raise ValidationError(
            _(
                "%(client)s was assigned to %(manager)s by someone else at the same time; nothing was changed. "
                "Reload the client and try again."
            )
            % {"client": assignment.client, "manager": competing.manager},
            code="concurrent_assignment",
        ) from exc
    return assignment


@transaction.atomic
def assignment_end(*, client: Client, end: date, reason: str = "") -> Assignment | None:
    """End the client's open assignment on the given (last) day; None when the client has no manager."""
    current = _open_assignment(client=client)
    if current is None:
        return None
    if end < current.start:
        raise ValidationError(
            _("The assignment cannot end on %(end)s, before it started (%(start)s).")
            % {"end": end, "start": current.start},
            code="end_before_start",
        )
    current.end = end
    if reason:
        # The row's reason says why it began; the ending reason is appended so that both stay readable.
        ending = _("ended: %(reason)s") % {"reason": reason}
        current.reason = f"{current.reason} / {ending}"[: Assignment._meta.get_field("reason").max_length]
    current.full_clean(exclude=["created_by"], validate_constraints=False)
    current.save(update_fields=["end", "reason"])
    return current


# --- clients ----------------------------------------------------------------------------------------------------


@transaction.atomic
def client_create(
    *,
    name: str,
    registration_code: str,
    industry: str,
    size: str,
    status: str = Client.Status.PROSPECT,
    address: str = "",
) -> Client:
    """Open a client file; every new client starts ordinary until the tiering ranks it."""
    client = Client(
        name=name,
        registration_code=registration_code.strip(),
        industry=industry,
        size=size,
        status=status,
        address=address,
        tier=ClientTier.ORDINARY,
    )
    client.full_clean()
    client.save()
    return client


@transaction.atomic
def client_update(*, client: Client, **fields: object) -> Client:
    """Change a client's file; the tier cannot be changed here (the 80/20 tiering sets it)."""
    refused = set(fields) - set(CLIENT_EDITABLE_FIELDS)
    if refused:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(refused))},
            code="field_not_editable",
        )
    for field, value in fields.items():
        setattr(client, field, value)
    client.full_clean()
    client.save(update_fields=list(fields) or None)
    return client


# --- the work log -----------------------------------------------------------------------------------------------


def recorder_validate(*, manager: AccountManager, recorded_by: AbstractBaseUser) -> None:
    """Refuse a recorder who is neither the manager nor one of the manager's active assistants."""
    if recorded_by.pk == manager.user_id:
        return
    if Assistant.objects.filter(user_id=recorded_by.pk, manager=manager, active=True).exists():
        return
    raise ValidationError(
        _("Only %(manager)s or their key-account assistant may record their interactions.") % {"manager": manager},
        code="recorder_not_allowed",
    )


def _client_manager_validate(*, client: Client, manager: AccountManager, day: date, field: str = "date") -> None:
    served_by = client_manager_on(client=client, day=day)
    if served_by is None or served_by.pk != manager.pk:
        raise ValidationError(
            {
                field: _("%(manager)s was not the account manager of %(client)s on %(day)s.")
                % {"manager": manager, "client": client, "day": day}
            },
            code="not_clients_manager",
        )


def _interaction_dates_validate(
    *, client: Client, manager: AccountManager, date: date, follow_up_date: date | None
) -> None:
    if date > timezone.localdate():
        raise ValidationError({"date": _("An interaction cannot be recorded before it happens.")}, code="future")
    _client_manager_validate(client=client, manager=manager, day=date)
    if follow_up_date is not None and follow_up_date < date:
        raise ValidationError(
            {"follow_up_date": _("The follow-up date cannot be before the interaction.")}, code="follow_up_early"
        )


@transaction.atomic
def interaction_record(
    *,
    client: Client,
    manager: AccountManager,
    recorded_by: AbstractBaseUser,
    kind: str,
    date: date,
    summary: str,
    client_needs: str = "",
    follow_up_date: date | None = None,
) -> Interaction:
    """Write an interaction record (联系记录) by the client's manager of that day or their assistant."""
    recorder_validate(manager=manager, recorded_by=recorded_by)
    _interaction_dates_validate(client=client, manager=manager, date=date, follow_up_date=follow_up_date)
    interaction = Interaction(
        client=client,
        manager=manager,
        recorded_by=recorded_by,
        kind=kind,
        date=date,
        summary=summary,
        client_needs=client_needs,
        follow_up_date=follow_up_date,
    )
    interaction.full_clean()
    interaction.save()
    return interaction


def _feedback_validate(*, date: date, source: str, satisfaction: int | None, complaint: str, suggestion: str) -> None:
    if satisfaction is None and not complaint and not suggestion:
        raise ValidationError(
            _("Feedback must give a satisfaction score, a complaint or a suggestion."), code="feedback_empty"
        )
    if source == Feedback.Source.COMPLAINT and not complaint:
        raise ValidationError({"complaint": _("A complaint must say what the client complains about.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("Feedback cannot be dated in the future.")}, code="future")


@transaction.atomic
def feedback_record(
    *,
    client: Client,
    date: date,
    source: str,
    satisfaction: int | None = None,
    complaint: str = "",
    suggestion: str = "",
    recorded_by: AbstractBaseUser | None = None,
) -> Feedback:
    """Record a client's feedback, tied to whoever was the client's manager on that date."""
    complaint, suggestion = (complaint or "").strip(), (suggestion or "").strip()
    _feedback_validate(date=date, source=source, satisfaction=satisfaction, complaint=complaint, suggestion=suggestion)
    feedback = Feedback(
        client=client,
        manager=client_manager_on(client=client, day=date),
        date=date,
        source=source,
        satisfaction=satisfaction,
        complaint=complaint,
        suggestion=suggestion,
        recorded_by=recorded_by,
        created_at=timezone.now(),
    )
    feedback.full_clean()
    feedback.save()
    return feedback


@transaction.atomic
def report_write(
    *,
    client: Client,
    manager: AccountManager,
    kind: str,
    title: str,
    body: str,
    attests_truth: bool,
    written_by: AbstractBaseUser | None = None,
) -> Report:
    """File a manager's report on a client they serve today, written by the manager or their assistant; the manager
    answers for its truth (004 §八)."""
    if written_by is not None:
        recorder_validate(manager=manager, recorded_by=written_by)
    if not attests_truth:
        raise ValidationError(
            {"attests_truth": _("The account manager must answer for the truth of the report (004 §八).")},
            code="truth_not_attested",
        )
    _client_manager_validate(client=client, manager=manager, day=timezone.localdate(), field="client")
    report = Report(
        client=client, manager=manager, kind=kind, title=title, body=body, attests_truth=True, written_by=written_by
    )
    report.full_clean()
    report.save()
    return report


# --- corrections: the author, within the window HR sets; every version is kept in the history ------------------


def work_record_author_id(record: WorkRecord) -> int | None:
    """Who wrote the record: its recorder, or for a report its writer (the manager on reports older than that)."""
    if isinstance(record, Report):
        return record.written_by_id or record.manager.user_id
    return record.recorded_by_id


def work_record_correctable_until(record: WorkRecord, *, hours: int) -> dt.datetime | None:
    """Until when the author may still correct or withdraw the record; None when never (no time of recording)."""
    if record.created_at is None or record.withdrawn_at is not None:
        return None
    return record.created_at + timedelta(hours=hours)


def _correction_validate(record: WorkRecord, *, by: AbstractBaseUser) -> None:
    """Refuse a correction or withdrawal by anyone but the author, of a withdrawn record, or after the window."""
    if work_record_author_id(record) != by.pk:
        raise ValidationError(
            _("Only the person who recorded it may correct or withdraw this record."), code="not_the_author"
        )
    if record.withdrawn_at is not None:
        raise ValidationError(_("This record was withdrawn; it can no longer be changed."), code="withdrawn")
    hours = work_log_policy().correction_window_hours
    until = work_record_correctable_until(record, hours=hours)
    if until is None or timezone.now() > until:
        raise ValidationError(
            _(
                "A record can be corrected or withdrawn only within %(hours)s hours of being recorded; this one can "
                "no longer be changed. Ask HR if it is wrong."
            )
            % {"hours": hours},
            code="window_over",
        )


def work_record_correction_refusal(record: WorkRecord, *, by: AbstractBaseUser) -> str:
    """Why the user may not correct or withdraw the record now, in their language; "" when they may."""
    try:
        _correction_validate(record, by=by)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def work_records_correctable(records: list, *, by: AbstractBaseUser, hours: int) -> set[int]:
    """The ids of the records (loaded, reports with their manager) the user may still correct or withdraw."""
    now = timezone.now()
    return {
        record.pk
        for record in records
        if work_record_author_id(record) == by.pk
        and (until := work_record_correctable_until(record, hours=hours)) is not None
        and now <= until
    }


def _lock(record: WorkRecord) -> WorkRecord:
    """The record re-read under a row lock (two corrections at once apply one after the other)."""
    return type(record).objects.select_for_update(of=("self",)).select_related("client", "manager").get(pk=record.pk)


@transaction.atomic
def interaction_correct(
    *,
    interaction: Interaction,
    by: AbstractBaseUser,
    kind: str,
    date: date,
    summary: str,
    client_needs: str = "",
    follow_up_date: date | None = None,
) -> Interaction:
    """Correct an interaction record: its author, within the correction window; the earlier version stays in history."""
    interaction = _lock(interaction)
    _correction_validate(interaction, by=by)
    _interaction_dates_validate(
        client=interaction.client, manager=interaction.manager, date=date, follow_up_date=follow_up_date
    )
    interaction.kind, interaction.date, interaction.summary = kind, date, summary
    interaction.client_needs, interaction.follow_up_date = client_needs, follow_up_date
    interaction.full_clean()
    interaction._change_reason = "corrected"  # simple-history's documented way to name a change
    interaction.save()
    return interaction


@transaction.atomic
def feedback_correct(
    *,
    feedback: Feedback,
    by: AbstractBaseUser,
    date: date,
    source: str,
    satisfaction: int | None = None,
    complaint: str = "",
    suggestion: str = "",
) -> Feedback:
    """Correct recorded feedback: its recorder, within the correction window; tied anew to the manager of its date."""
    feedback = _lock(feedback)
    _correction_validate(feedback, by=by)
    if feedback.source == Feedback.Source.SURVEY or source == Feedback.Source.SURVEY:
        raise ValidationError(_("A survey answer is the client's own and cannot be corrected."), code="survey")
    complaint, suggestion = (complaint or "").strip(), (suggestion or "").strip()
    _feedback_validate(date=date, source=source, satisfaction=satisfaction, complaint=complaint, suggestion=suggestion)
    feedback.date, feedback.source, feedback.satisfaction = date, source, satisfaction
    feedback.complaint, feedback.suggestion = complaint, suggestion
    feedback.manager = client_manager_on(client=feedback.client, day=date)
    feedback.full_clean()
    feedback._change_reason = "corrected"
    feedback.save()
    return feedback


@transaction.atomic
def report_correct(*, report: Report, by: AbstractBaseUser, kind: str, title: str, body: str) -> Report:
    """Correct a report: its writer, within the correction window; the manager still answers for its truth."""
    report = _lock(report)
    _correction_validate(report, by=by)
    report.kind, report.title, report.body = kind, title, body
    report.full_clean()
    report._change_reason = "corrected"
    report.save()
    return report


@transaction.atomic
def work_record_withdraw(*, record: WorkRecord, by: AbstractBaseUser, reason: str) -> WorkRecord:
    """Withdraw an interaction, feedback or report: its author, within the window, with a reason. The record is kept
    and shown as withdrawn, with its history, but counts in no measure or KPI."""
    record = _lock(record)
    _correction_validate(record, by=by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the record is withdrawn.")}, code="reason_missing")
    limit = type(record)._meta.get_field("withdrawn_reason").max_length
    if len(reason) > limit:
        raise ValidationError(
            {
                "reason": _("The reason can be at most %(limit)s characters; it has %(count)s.")
                % {"limit": limit, "count": len(reason)}
            },
            code="reason_too_long",
        )
    record.withdrawn_at = timezone.now()
    record.withdrawn_reason = reason
    record._change_reason = "withdrawn"
    # Only the withdrawal is written: the record's own fields stay exactly as they were.
    record.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    return record


# --- business ---------------------------------------------------------------------------------------------------


@transaction.atomic
def business_record_upsert(
    *, client: Client, month: date, volume: Decimal, products_used: int, profit: Decimal | None = None
) -> BusinessRecord:
    """Write the client's business of a month (any day of it; stored as the first day), replacing what was there."""
    month = month.replace(day=1)
    record = BusinessRecord.objects.select_for_update().filter(client=client, month=month).first() or BusinessRecord(
        client=client, month=month
    )
    record.volume = Decimal(volume)
    record.products_used = products_used
    record.profit = None if profit is None else Decimal(profit)
    record.full_clean()
    record.save()
    return record


# --- assistants' KPIs -------------------------------------------------------------------------------------------


def _month_after(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


@transaction.atomic
def assistant_kpis_compute(*, month: date) -> int:
    """Compute every active assistant's KPIs of the month (any day of it) from the work they recorded: contacts
    (interactions they recorded), reports they wrote, follow-ups due and kept; and, for the manager they work for, the
    clients' satisfaction and sales growth. HR's target, mark and review are kept. Returns the rows written."""
    month = month.replace(day=1)
    last_day = _month_after(month) - timedelta(days=1)
    assistants = list(Assistant.objects.filter(active=True).values_list("pk", "user_id", "manager_id"))
    users = [user_id for _pk, user_id, _manager in assistants]
    managers = [manager_id for _pk, _user, manager_id in assistants]

    contacts = _contacts_by_user(users=users, month=month, last_day=last_day)
    reports = _reports_by_user(users=users, month=month, last_day=last_day)
    follow_ups = _follow_ups_by_user(users=users, month=month, last_day=last_day)
    satisfaction = _satisfaction_by_manager(managers=managers, month=month, last_day=last_day)
    volumes = _volumes_by_manager(managers=managers, month=month, last_day=last_day)

    existing = {
        kpi.assistant_id: kpi
        for kpi in AssistantKpi.objects.filter(month=month, assistant_id__in=[a[0] for a in assistants])
    }
    now = timezone.now()
    rows = []
    for pk, user_id, manager_id in assistants:
        kpi = existing.get(pk) or AssistantKpi(assistant_id=pk, month=month)
        kpi.contacts_done = contacts.get(user_id, 0)
        kpi.reports_written = reports.get(user_id, 0)
        kpi.follow_ups_due, kpi.follow_ups_kept = follow_ups.get(user_id, (0, 0))
        average = satisfaction.get(manager_id)
        kpi.satisfaction = None if average is None else (Decimal(str(average)) * 20).quantize(Decimal("0.01"))
        kpi.sales_growth_pct = _growth_pct(*volumes.get(manager_id, (None, None)))
        kpi.computed_at = now
        kpi.full_clean()
        kpi.save()
        rows.append(kpi)
    return len(rows)


def _contacts_by_user(*, users: list[int], month: date, last_day: date) -> dict[int, int]:
    """Interactions each user recorded in the month."""
    return dict(
        Interaction.objects.counting()
        .filter(date__gte=month, date__lte=last_day, recorded_by_id__in=users)
        .values_list("recorded_by_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _reports_by_user(*, users: list[int], month: date, last_day: date) -> dict[int, int]:
    """Reports each user wrote in the month."""
    return dict(
        Report.objects.counting()
        .filter(written_by_id__in=users, created_at__date__gte=month, created_at__date__lte=last_day)
        .values_list("written_by_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _follow_ups_by_user(*, users: list[int], month: date, last_day: date) -> dict[int, tuple[int, int]]:
    """Per user, the follow-ups they set that fell due in the month, and how many of those were kept."""
    # A follow-up is kept when anyone recorded an interaction with the client after the one that set it, by its date.
    kept = Interaction.objects.counting().filter(
        client=OuterRef("client"), date__gt=OuterRef("date"), date__lte=OuterRef("follow_up_date")
    )
    return {
        user_id: (due, done)
        for user_id, due, done in Interaction.objects.counting()
        .filter(recorded_by_id__in=users, follow_up_date__gte=month, follow_up_date__lte=last_day)
        .values_list("recorded_by_id")
        .annotate(due=Count("pk"), done=Count("pk", filter=Q(Exists(kept))))
        .order_by()
    }


def _satisfaction_by_manager(*, managers: list[int], month: date, last_day: date) -> dict[int, float]:
    """The average satisfaction (1–5) of the feedback given in the month, per manager."""
    return dict(
        Feedback.objects.counting()
        .filter(date__gte=month, date__lte=last_day, manager_id__in=managers, satisfaction__isnull=False)
        .values_list("manager_id")
        .annotate(average=Avg("satisfaction"))
        .order_by()
    )


def _volumes_by_manager(
    *, managers: list[int], month: date, last_day: date
) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """Per manager, the business volume of their clients this month and the month before."""
    before = (month - timedelta(days=1)).replace(day=1)
    # The manager's clients on the month's last day.
    on_last_day = Q(client__assignments__start__lte=last_day) & (
        Q(client__assignments__end__isnull=True) | Q(client__assignments__end__gte=last_day)
    )
    return {
        manager_id: (now, earlier)
        for manager_id, now, earlier in BusinessRecord.objects.filter(
            on_last_day, client__assignments__manager_id__in=managers, month__in=[before, month]
        )
        .values_list("client__assignments__manager_id")
        .annotate(now=Sum("volume", filter=Q(month=month)), earlier=Sum("volume", filter=Q(month=before)))
        .order_by()
    }


def _growth_pct(volume_now: Decimal | None, volume_before: Decimal | None) -> Decimal | None:
    """Growth of this month's volume over the month before's, in percent; None without a volume before."""
    if not volume_before:
        return None
    return ((Decimal(str(volume_now or 0)) - Decimal(str(volume_before))) / Decimal(str(volume_before)) * 100).quantize(
        Decimal("0.01")
    )
