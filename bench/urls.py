"""The project's URLs plus a trivial view, served by the same gunicorn and middleware as the pages measured."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def trivial(request: HttpRequest) -> HttpResponse:
    """The framework's floor: no query, no template."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def signed_in(request: HttpRequest) -> HttpResponse:
    """What every page pays before its own work: the session read and the user loaded, no template."""
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/signed-in/", signed_in),
    path("", include("config.urls")),
]
