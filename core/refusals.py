"""A service's refusal as one line for a page message, the same wherever an admin action or a view shows it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError


def refusal_text(error: ValidationError | PermissionDenied, subject: object | None = None) -> str:
    """The refusal's messages joined, after "subject: " when the action concerned several objects."""
    reasons = list(error.messages) if isinstance(error, ValidationError) else [str(error)]
    text = " ".join(reasons)
    return f"{subject}: {text}" if subject is not None else text
