"""What every page needs to know about the user: their role and the links of the navigation bar."""

from __future__ import annotations

from django.http import HttpRequest

from core.roles import ROLE_LABELS, Role, role_of
from home.navigation import nav_links


def navigation(request: HttpRequest) -> dict[str, object]:
    if not hasattr(request, "user"):
        return {"role": None, "role_label": "", "nav_links": []}
    # The role is resolved once here and handed to the navigation, which asks nothing of the database.
    role = role_of(request.user)
    return {
        "role": role,
        "role_label": ROLE_LABELS.get(role, "") if role else "",
        "nav_links": nav_links(role, request.path, is_staff=request.user.is_staff),
        "is_hr": role == Role.HR,
        "is_manager": role == Role.ACCOUNT_MANAGER,
        "is_department_head": role == Role.DEPARTMENT_HEAD,
        "is_assistant": role == Role.ASSISTANT,
    }
