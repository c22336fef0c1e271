"""The pages a visitor sees when a request fails, on the site's layout and in their language: 400, 403, 404 and
410 here; 500.html needs no view.

A refused object answers 404 by design (core.permissions), so the 404 page says "does not exist or is not yours
to see" and never which. Django's own handler renders 500.html without a request context: the context processors
read the database, and the database may be why the request failed.
"""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseGone,
    HttpResponseNotFound,
)
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

# get_object_or_404 words its refusal for developers, in English only; such a reason is not shown.
_DEVELOPER_REASONS = ("matches the given query",)


def back_url(request: HttpRequest) -> str:
    """The page the visitor came from, when it is one of ours; "" otherwise."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _reason(exception: Exception | None) -> str:
    """The refusal's own words (Http404(_("You supervise no one.")) says why), when it has any meant for a user."""
    message = exception.args[0] if exception is not None and exception.args else None
    if not isinstance(message, str) or any(text in message for text in _DEVELOPER_REASONS):
        return ""
    return message


def _render(request: HttpRequest, template: str, exception: Exception | None, response_class: type) -> HttpResponse:
    context = {"reason": _reason(exception), "back_url": back_url(request)}
    return response_class(loader.render_to_string(template, context, request))


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "400.html", None, HttpResponseBadRequest)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "403.html", exception, HttpResponseForbidden)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "404.html", exception, HttpResponseNotFound)


def gone(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The 410 page, for a page that existed and never will again (an expired or used link); reason says which."""
    context = {"reason": reason, "back_url": back_url(request)}
    return HttpResponseGone(loader.render_to_string("410.html", context, request))
