from __future__ import annotations

import factory

from notifications.models import Channel, ChannelKind, Delivery, Preference
from tests.core.factories import UserFactory


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    name = factory.Sequence(lambda n: f"Robot {n}")
    kind = ChannelKind.WECOM
    webhook_url = "http://127.0.0.1:9/cgi-bin/webhook/send?key=unused"
    secret = ""
    active = True


class PreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preference

    user = factory.SubFactory(UserFactory, password=None)
    kind = ChannelKind.EMAIL
    handle = ""
    language = ""


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    event = "rating_due"
    key = factory.Sequence(lambda n: f"2026-07-{n % 28 + 1:02d}:{n}")
    recipient = factory.SubFactory(UserFactory, password=None)
    kind = ChannelKind.EMAIL
    params = factory.LazyFunction(lambda: {"count": 1, "deadline": "2026-07-15", "link": "/appraisals/ratings/"})
