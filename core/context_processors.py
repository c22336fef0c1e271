"""What every page needs to know about the user: their role, for the navigation."""

from __future__ import annotations

from django.http import HttpRequest

from core.roles import ROLE_LABELS, Role, role_of


def navigation(request: HttpRequest) -> dict[str, object]:
    role = role_of(request.user) if hasattr(request, "user") else None
    return {
        "role": role,
        "role_label": ROLE_LABELS.get(role, "") if role else "",
        "is_hr": role == Role.HR,
        "is_manager": role == Role.ACCOUNT_MANAGER,
        "is_department_head": role == Role.DEPARTMENT_HEAD,
        "is_assistant": role == Role.ASSISTANT,
    }
