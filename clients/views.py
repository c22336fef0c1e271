"""Pages for managers: "My clients" and the client page with its three forms. Views only call selectors and
services; every client is loaded through _get_client_for_user, so a client outside the user's line is a 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import services
from clients.forms import (
    FeedbackForm,
    InteractionForm,
    ReportCorrectionForm,
    ReportForm,
    ServiceForm,
    WithdrawForm,
)
from clients.models import Client, WorkRecord
from clients.selectors import (
    ClientActions,
    client_actions_for_user,
    client_detail_for_user,
    client_filters,
    client_list_of,
    client_manager_on,
    client_page,
    work_log_policy,
)

PAGE_SIZE = 25


def _get_client_for_user(request: HttpRequest, pk: int) -> Client:
    """The client, or 404 when the user may not see it (never 403: its existence is not disclosed)."""
    client = client_detail_for_user(request.user, pk)
    if client is None:
        raise Http404(_("No such client."))
    return client


@login_required
@require_GET
def client_list_view(request: HttpRequest) -> HttpResponse:
    """My clients: the clients of the user's line, filtered, 25 a page."""
    filterset = client_filters(user=request.user, filters=request.GET)
    page = Paginator(client_list_of(filterset), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clients/client_list.html", {"filterset": filterset, "page": page})


def _render_client_page(
    request: HttpRequest, client: Client, *, bound: dict[str, ServiceForm] | None = None
) -> HttpResponse:
    page = client_page(client=client)
    actions = client_actions_for_user(request.user, current_manager=page.current_manager)
    forms: dict[str, ServiceForm | None] = {
        "interaction": InteractionForm() if actions.log_interaction else None,
        "feedback": FeedbackForm() if actions.record_feedback else None,
        "report": ReportForm() if actions.write_report else None,
    }
    forms.update(bound or {})
    hours = work_log_policy().correction_window_hours
    context = {
        "client": client,
        "page": page,
        "actions": actions,
        "forms": forms,
        "correctable": {
            kind: services.work_records_correctable(records, by=request.user, hours=hours)
            for kind, records in (
                ("interaction", page.interactions),
                ("feedback", page.feedback),
                ("report", page.reports),
            )
        },
        # The form that failed stays open, so its errors are seen next to its fields.
        "open_form": next(iter(bound), "") if bound else "",
    }
    return render(request, "clients/client_detail.html", context)


@login_required
@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The client file: contacts, assignments, interactions, business, feedback, reports."""
    return _render_client_page(request, _get_client_for_user(request, pk))


def _post_to_client(
    request: HttpRequest,
    pk: int,
    *,
    name: str,
    form_class: type[ServiceForm],
    allowed: Callable[[ClientActions], bool],
    save: Callable[[Client, ClientActions, dict[str, Any]], object],
    success: str,
    anchor: str,
) -> HttpResponse:
    """Validate the form, call the service, redirect on success; on any error re-render the page, nothing saved."""
    client = _get_client_for_user(request, pk)
    actions = client_actions_for_user(request.user, current_manager=client_manager_on(client=client))
    if not allowed(actions):
        raise PermissionDenied
    form = form_class(request.POST)
    if form.is_valid():
        try:
            save(client, actions, form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, success)
            return redirect(reverse("clients:detail", args=[client.pk]) + anchor)
    return _render_client_page(request, client, bound={name: form})


@login_required
@require_POST
def interaction_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Log an interaction: the client's current manager or their assistant."""

    def save(client: Client, actions: ClientActions, data: dict[str, Any]) -> object:
        return services.interaction_record(
            client=client,
            manager=actions.manager,
            recorded_by=request.user,
            kind=data["kind"],
            date=data["date"],
            summary=data["summary"],
            client_needs=data["client_needs"],
            follow_up_date=data["follow_up_date"],
        )

    return _post_to_client(
        request,
        pk,
        name="interaction",
        form_class=InteractionForm,
        allowed=lambda actions: actions.log_interaction,
        save=save,
        success=_("The interaction record was saved."),
        anchor="#interactions",
    )


@login_required
@require_POST
def feedback_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record feedback from a call-back or a complaint: the current manager or their assistant."""

    def save(client: Client, actions: ClientActions, data: dict[str, Any]) -> object:
        return services.feedback_record(
            client=client,
            date=data["date"],
            source=data["source"],
            satisfaction=data["satisfaction"],
            complaint=data["complaint"],
            suggestion=data["suggestion"],
            recorded_by=request.user,
        )

    return _post_to_client(
        request,
        pk,
        name="feedback",
        form_class=FeedbackForm,
        allowed=lambda actions: actions.record_feedback,
        save=save,
        success=_("The feedback was recorded."),
        anchor="#feedback",
    )


@login_required
@require_POST
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Write a report on the client: only its current manager, who answers for its truth."""

    def save(client: Client, actions: ClientActions, data: dict[str, Any]) -> object:
        return services.report_write(
            client=client,
            manager=actions.manager,
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            attests_truth=data["attests_truth"],
            written_by=request.user,
        )

    return _post_to_client(
        request,
        pk,
        name="report",
        form_class=ReportForm,
        allowed=lambda actions: actions.write_report,
        save=save,
        success=_("The report was saved."),
        anchor="#reports",
    )


@dataclass(frozen=True)
class _RecordKind:
    """How the correction page reads, shows and corrects one kind of work record."""

    related: str
    form_class: type[ServiceForm]
    fields: tuple[str, ...]
    anchor: str


_RECORD_KINDS = {
    "interaction": _RecordKind(
        "interactions", InteractionForm, ("kind", "date", "summary", "client_needs", "follow_up_date"), "#interactions"
    ),
    "feedback": _RecordKind(
        "feedback", FeedbackForm, ("source", "date", "satisfaction", "complaint", "suggestion"), "#feedback"
    ),
    "report": _RecordKind("reports", ReportCorrectionForm, ("kind", "title", "body"), "#reports"),
}
_CORRECT = {
    "interaction": lambda record, by, data: services.interaction_correct(interaction=record, by=by, **data),
    "feedback": lambda record, by, data: services.feedback_correct(feedback=record, by=by, **data),
    "report": lambda record, by, data: services.report_correct(report=record, by=by, **data),
}


def _get_record_for_user(request: HttpRequest, pk: int, kind: str, record_id: int) -> tuple[Client, WorkRecord]:
    """The client and its record, or 404 when the client is outside the user's line or has no such record."""
    client = _get_client_for_user(request, pk)
    record = (
        getattr(client, _RECORD_KINDS[kind].related)
        .select_related("client", "manager__user")
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise Http404(_("No such record of this client."))
    return client, record


@login_required
@require_http_methods(["GET", "POST"])
def record_correct(request: HttpRequest, pk: int, kind: str, record_id: int) -> HttpResponse:
    """Correct or withdraw an interaction, feedback or report: its author, within the window HR sets."""
    client, record = _get_record_for_user(request, pk, kind, record_id)
    spec = _RECORD_KINDS[kind]
    initial = {name: getattr(record, name) for name in spec.fields}
    form = spec.form_class(initial=initial)
    withdraw_form = WithdrawForm()
    if request.method == "POST":
        withdrawing = request.POST.get("action") == "withdraw"
        bound = WithdrawForm(request.POST) if withdrawing else spec.form_class(request.POST)
        if bound.is_valid():
            try:
                if withdrawing:
                    services.work_record_withdraw(record=record, by=request.user, reason=bound.cleaned_data["reason"])
                else:
                    _CORRECT[kind](record, request.user, {name: bound.cleaned_data[name] for name in spec.fields})
            except ValidationError as error:
                bound.add_service_error(error)
            else:
                done = _("The record was withdrawn.") if withdrawing else _("The record was corrected.")
                messages.success(request, done)
                return redirect(reverse("clients:detail", args=[client.pk]) + spec.anchor)
        if withdrawing:
            withdraw_form = bound
        else:
            form = bound
    context = {
        "client": client,
        "record": record,
        "kind": kind,
        "form": form,
        "withdraw_form": withdraw_form,
        "refusal": services.work_record_correction_refusal(record, by=request.user),
        "back": reverse("clients:detail", args=[client.pk]) + spec.anchor,
    }
    return render(request, "clients/record_correct.html", context)
