"""One error body for every refusal of the API:

``{"status": 400, "code": "invalid", "detail": "…", "errors": {"field": ["…"], "non_field_errors": ["…"]}}``

``errors`` maps each refused field of the request (nested ones as ``scores.0.value``) to its messages, and is empty
for anything but a validation error. A service's ``django.core.exceptions.ValidationError`` is a 400 like a
serializer's, so a rule refused by a service reads the same as a malformed field. Messages follow the request's
``Accept-Language`` (LocaleMiddleware).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def django_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as field → messages ("__all__" as the non-field key)."""
    if hasattr(error, "error_dict"):
        return {(NON_FIELD if key == NON_FIELD_ERRORS else key): value for key, value in error.message_dict.items()}
    return {NON_FIELD: list(error.messages)}


def flatten_errors(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors as one level: {"scores.0.value": [...]}."""
    out: dict[str, list[str]] = defaultdict(list)

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                key = NON_FIELD if key == NON_FIELD_ERRORS else str(key)
                walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list | tuple):
            if all(not isinstance(item, dict | list | tuple) for item in value):
                out[path or NON_FIELD].extend(str(item) for item in value)
            else:
                for index, item in enumerate(value):
                    if item:
                        walk(item, f"{path}.{index}" if path else str(index))
        else:
            out[path or NON_FIELD].append(str(value))

    walk(data, prefix)
    return dict(out)


def error_body(*, status: int, code: str, detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"status": status, "code": code, "detail": detail, "errors": errors or {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(detail=django_errors(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        errors = flatten_errors(response.data)
        messages = [message for field in errors.values() for message in field]
        detail = messages[0] if len(messages) == 1 else _("The request was refused: see the errors of each field.")
        response.data = error_body(status=response.status_code, code="invalid", detail=detail, errors=errors)
        return response
    data = response.data
    detail = data.get("detail", "") if isinstance(data, dict) else data
    code = getattr(detail, "code", None) or "error"
    response.data = error_body(status=response.status_code, code=str(code), detail=str(detail))
    return response
