"""The project's URLs plus views that fail on purpose, for the error-page tests (ROOT_URLCONF of those tests only)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _

from config.urls import handler400, handler403, handler404
from config.urls import urlpatterns as project_urlpatterns
from core.errors import gone

__all__ = ["handler400", "handler403", "handler404", "urlpatterns"]


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("tampered input (developers' words, never shown)")


def refused(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(_("Only HR may exclude or include a rating."))


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404("No Client matches the given query.")


def expired(request: HttpRequest) -> HttpResponse:
    return gone(request, _("This survey link has expired."))


urlpatterns = [
    path("test-errors/500/", fails),
    path("test-errors/400/", suspicious),
    path("test-errors/403/", refused),
    path("test-errors/404/", missing),
    path("test-errors/410/", expired),
    *project_urlpatterns,
]
