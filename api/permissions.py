"""What the API adds to the permission matrix: a signed-in user, and a read-only token only reads. Which objects a
user reaches is decided by each app's selectors, as on the pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from api.models import ApiToken

if TYPE_CHECKING:  # rest_framework.views imports the permission and throttle classes named in the settings
    from rest_framework.views import APIView


class TokenScopePermission(BasePermission):
    message = _("This API token is read-only.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return token is None or not token.read_only or request.method in SAFE_METHODS
