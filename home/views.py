"""Pages that read across the apps: each role's dashboard, the printable reports and the report exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from appraisals.models import Appraisal
from appraisals.selectors import (
    appraisal_explanation,
    appraisal_for_user,
    can_see_all_results,
    cycle_latest_closed,
    cycle_results,
    cycles_with_results,
)
from clients.selectors import client_list
from core import exports
from core.exports import Column, column
from core.roles import Role, role_of
from home import dashboards
from home.reports import appraisal_report_rows, pay_statement_report_rows
from incentives.models import PayStatement
from incentives.selectors import pay_statement_for_user, pay_statement_row

HOME_TEMPLATES = {
    Role.HR: "home/hr.html",
    Role.DEPARTMENT_HEAD: "home/department_head.html",
    Role.ACCOUNT_MANAGER: "home/manager.html",
    Role.ASSISTANT: "home/assistant.html",
}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own dashboard (home.dashboards gathers it in a fixed number of queries)."""
    role = role_of(request.user)
    if role is None:
        return render(request, "home/no_role.html", status=403)
    user = request.user
    gather = {
        Role.HR: lambda: dashboards.hr_dashboard(),
        Role.DEPARTMENT_HEAD: lambda: dashboards.department_head_dashboard(user=user),
        Role.ACCOUNT_MANAGER: lambda: dashboards.manager_dashboard(user=user),
        Role.ASSISTANT: lambda: dashboards.assistant_dashboard(user=user),
    }
    return render(request, HOME_TEMPLATES[role], {"role": role, "dash": gather[role](), "today": timezone.localdate()})


def root(request: HttpRequest) -> HttpResponse:
    return redirect("home" if request.user.is_authenticated else "login")


# --- reports and exports ------------------------------------------------------------------------------------------


def _today() -> str:
    return timezone.localdate().isoformat()


# Reports are shown to the same people as the object's own page, and denied the same way: a 404.


def _get_appraisal_for_user(request: HttpRequest, pk: int) -> Appraisal:
    appraisal = appraisal_for_user(request.user, pk)
    if appraisal is None:
        raise Http404(_("No such appraisal."))
    return appraisal


def _get_pay_statement_for_user(request: HttpRequest, pk: int) -> PayStatement:
    statement = pay_statement_for_user(user=request.user, pk=pk)
    if statement is None:
        raise Http404(_("No such pay statement."))
    return statement


@login_required
@require_GET
def appraisal_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager's one-page appraisal report, printable, or as XLSX with ?export=xlsx; the same people may see it
    as the appraisal page (404 outside the user's line)."""
    appraisal = _get_appraisal_for_user(request, pk)
    explanation = appraisal_explanation(appraisal=appraisal)
    if request.GET.get("export"):
        if request.GET["export"] != "xlsx":
            raise Http404(_("Unknown export format."))
        rows = appraisal_report_rows(appraisal=appraisal, explanation=explanation)
        content = exports.render_xlsx([(_("Appraisal report"), rows)], bold_rows=(1, 7))
        filename = f"appraisal-{appraisal.manager.employee_no}-{appraisal.cycle_id}"
        return exports.download(content, filename=filename, fmt="xlsx")
    return render(request, "reports/appraisal.html", {"appraisal": appraisal, "explanation": explanation})


@login_required
@require_GET
def pay_statement_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A pay statement, printable, or as XLSX with ?export=xlsx; its owner and HR only."""
    row = pay_statement_row(_get_pay_statement_for_user(request, pk))
    statement = row.statement
    if request.GET.get("export"):
        if request.GET["export"] != "xlsx":
            raise Http404(_("Unknown export format."))
        content = exports.render_xlsx([(_("Pay statement"), pay_statement_report_rows(row=row))])
        filename = f"pay-statement-{statement.manager.employee_no}-{statement.period.code}"
        return exports.download(content, filename=filename, fmt="xlsx")
    return render(request, "reports/pay_statement.html", {"row": row, "statement": statement})


CLIENT_COLUMNS = [
    column(gettext_lazy("name"), "name"),
    column(gettext_lazy("registration code"), "registration_code"),
    column(gettext_lazy("industry"), "industry"),
    column(gettext_lazy("size"), "get_size_display"),
    column(gettext_lazy("status"), "get_status_display"),
    column(gettext_lazy("tier"), "get_tier_display"),
    Column(
        gettext_lazy("account manager"), lambda client: client.current_manager.name if client.current_manager else ""
    ),
    column(gettext_lazy("last interaction"), "last_interaction"),
    column(gettext_lazy("volume this year"), "volume_this_year"),
]


@login_required
@require_GET
def clients_export(request: HttpRequest) -> HttpResponse:
    """ "My clients" as CSV or XLSX (?export=csv|xlsx): the same clients, filters and order as the list page, every
    page of it (clients.selectors.client_list decides what the user may see)."""
    clients = client_list(user=request.user, filters=request.GET)
    return exports.export_response(
        items=clients.iterator(chunk_size=500),
        columns=CLIENT_COLUMNS,
        fmt=request.GET.get("export", "csv"),
        filename=f"clients-{_today()}",
        title=_("My clients"),
    )


RESULT_COLUMNS = [
    Column(gettext_lazy("rank"), lambda row: row.rank),
    column(gettext_lazy("employee number"), "manager.employee_no"),
    column(gettext_lazy("account manager"), "manager.name"),
    column(gettext_lazy("department"), "manager.department.name"),
    Column(gettext_lazy("grade"), lambda row: str(row.grade) if row.grade_id else ""),
    column(gettext_lazy("performance score"), "performance_score"),
    column(gettext_lazy("behaviour score"), "behaviour_score"),
    column(gettext_lazy("ability score"), "ability_score"),
    column(gettext_lazy("spot-check effect"), "spot_check_effect"),
    column(gettext_lazy("total score"), "total_score"),
    column(gettext_lazy("band"), "get_band_display"),
    column(gettext_lazy("acknowledged at"), "acknowledged_at"),
]


@login_required
@require_GET
def cycle_results_export(request: HttpRequest) -> HttpResponse:
    """A cycle's ranking (HR) as CSV or XLSX, with the results page's filters (?cycle=&grade=&department=)."""
    if not can_see_all_results(request.user):
        raise PermissionDenied
    wanted = request.GET.get("cycle")
    cycle = cycles_with_results().filter(pk=wanted).first() if wanted and wanted.isdigit() else cycle_latest_closed()
    if cycle is None:
        raise Http404(_("No such appraisal cycle."))
    rows = list(cycle_results(cycle=cycle, filters=request.GET))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    return exports.export_response(
        items=rows,
        columns=RESULT_COLUMNS,
        fmt=request.GET.get("export", "csv"),
        filename=f"cycle-results-{cycle.pk}-{_today()}",
        title=cycle.name,
    )
