"""The page where each user chooses how they are told of events."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from notifications.forms import PreferenceForm
from notifications.selectors import channel_kinds_available, preference_of
from notifications.services import preference_save


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    preference = preference_of(request.user)
    kinds = channel_kinds_available()
    if preference.kind not in kinds:
        kinds.append(preference.kind)  # a channel HR switched off still shows as the user's choice
    if request.method == "POST":
        form = PreferenceForm(request.POST, kinds=kinds)
        if form.is_valid():
            try:
                preference_save(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("Your notification preferences are saved."))
                return redirect("notifications:preferences")
    else:
        initial = {"kind": preference.kind, "handle": preference.handle, "language": preference.language}
        form = PreferenceForm(initial=initial, kinds=kinds)
    return render(request, "notifications/preferences.html", {"form": form})
