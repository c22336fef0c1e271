"""Pages of pay and recognition: my pay, a statement, my recognition, the roll of honour."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives.models import PayStatement, Recognition
from incentives.selectors import (
    pay_statement_for_user,
    pay_statement_row,
    pay_statements_of_manager,
    recognitions_of_manager,
    roll_of_honour,
)
from managers.selectors import manager_for_user


def _own_manager(request: HttpRequest):
    manager = manager_for_user(request.user)
    if manager is None:
        raise Http404  # only account managers have pay statements and recognition of their own
    return manager


@login_required
def my_pay(request: HttpRequest) -> HttpResponse:
    manager = _own_manager(request)
    statements = pay_statements_of_manager(manager=manager)
    return render(request, "incentives/my_pay.html", {"manager": manager, "statements": statements})


def _get_statement_for_user(request: HttpRequest, pk: int) -> PayStatement:
    """The statement, or 404 when the user may not see it: whether a colleague's statement exists is not theirs to
    know."""
    statement = pay_statement_for_user(user=request.user, pk=pk)
    if statement is None:
        raise Http404(_("No such pay statement."))
    return statement


@login_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = pay_statement_row(_get_statement_for_user(request, pk))
    return render(request, "incentives/statement_detail.html", {"row": row, "statement": row.statement})


@login_required
def my_recognition(request: HttpRequest) -> HttpResponse:
    manager = _own_manager(request)
    recognitions = recognitions_of_manager(manager=manager)
    return render(request, "incentives/my_recognition.html", {"manager": manager, "recognitions": recognitions})


@login_required
def honour(request: HttpRequest, year: int | None = None) -> HttpResponse:
    year = year or timezone.localdate().year
    if not 1900 < year < 3000:
        raise Http404
    groups = roll_of_honour(year=year)
    kinds = [(label, groups[value]) for value, label in Recognition.Kind.choices]
    return render(
        request,
        "incentives/roll_of_honour.html",
        {"year": year, "kinds": kinds, "empty": not any(groups.values()), "previous": year - 1, "next": year + 1},
    )
