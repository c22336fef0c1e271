"""Browser pages of account managers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from managers.selectors import manager_profile


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """ "My profile": grade and its history, supervision, qualification, training, targets, job description."""
    context = manager_profile(user=request.user)
    if context is None:
        raise Http404(_("Not an account manager."))
    return render(request, "managers/profile.html", context)
