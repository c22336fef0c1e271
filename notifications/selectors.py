"""Reads of the notifications: a user's preference, and what HR must look at."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from notifications.models import Channel, ChannelKind, Delivery, Preference


def preference_of(user: AbstractBaseUser) -> Preference:
    """The user's preference, or the default one (e-mail, the site's language) not yet saved."""
    return Preference.objects.filter(user=user).first() or Preference(user=user, kind=ChannelKind.EMAIL)


def channel_kinds_available() -> list[str]:
    """The kinds a user may choose: e-mail, and each kind of robot HR has an active channel of."""
    active = set(Channel.objects.filter(active=True).values_list("kind", flat=True))
    return [kind for kind in ChannelKind.values if kind == ChannelKind.EMAIL or kind in active]


def deliveries_failed() -> QuerySet[Delivery]:
    """The messages that could not be sent after their attempts, newest first."""
    return Delivery.objects.filter(state=Delivery.State.FAILED).select_related("recipient")
