"""Pages every role shares: the landing page after login, the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.health import broker_status, database_status
from config.roles import Role, role_of

HOME_TEMPLATES = {
    Role.HR: "home/hr.html",
    Role.DEPARTMENT_HEAD: "home/department_head.html",
    Role.ACCOUNT_MANAGER: "home/manager.html",
    Role.ASSISTANT: "home/assistant.html",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own page."""
    role = role_of(request.user)
    if role is None:
        return render(request, "home/no_role.html", status=403)
    return render(request, HOME_TEMPLATES[role], {"role": role})


def root(request: HttpRequest) -> HttpResponse:
    return redirect("home" if request.user.is_authenticated else "login")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 naming the one that failed."""
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)
