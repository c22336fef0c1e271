"""HR configures a robot in the admin; its webhook address and signing secret are never shown again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.roles import Role
from notifications.models import Channel
from tests.appraisals.factories_ratings import rater_user
from tests.notifications.factories import DeliveryFactory

pytestmark = pytest.mark.django_db

URL = "https://oapi.dingtalk.com/robot/send?access_token=tok-4f2a9c"
SECRET = "SECb1e5d0a7c3"


@pytest.fixture
def hr_client(client):
    client.force_login(rater_user(Role.HR))
    return client


def test_a_saved_secret_is_not_shown_again_and_a_blank_field_keeps_it(hr_client) -> None:
    response = hr_client.post(
        reverse("admin:notifications_channel_add"),
        {"name": "Sales group", "kind": "dingtalk", "webhook_url": URL, "secret": SECRET, "active": "on"},
    )
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert (channel.webhook_url, channel.secret) == (URL, SECRET)

    change = reverse("admin:notifications_channel_change", args=[channel.pk])
    page = hr_client.get(change).content.decode()
    assert SECRET not in page and "tok-4f2a9c" not in page
    assert "oapi.dingtalk.com" in page  # the host only, so HR can tell which robot it is
    listing = hr_client.get(reverse("admin:notifications_channel_changelist")).content.decode()
    assert SECRET not in listing and "tok-4f2a9c" not in listing

    # Renamed with both secret fields left blank: both kept.
    response = hr_client.post(
        change, {"name": "Sales group (Shanghai)", "kind": "dingtalk", "webhook_url": "", "secret": "", "active": "on"}
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.webhook_url, channel.secret) == ("Sales group (Shanghai)", URL, SECRET)

    # Removing the secret is a choice of its own.
    hr_client.post(change, {"name": "x", "kind": "dingtalk", "webhook_url": "", "secret_clear": "on", "active": "on"})
    assert Channel.objects.get().secret == ""


def test_a_new_channel_needs_an_address_and_a_second_active_one_of_a_kind_is_refused(hr_client) -> None:
    add = reverse("admin:notifications_channel_add")
    response = hr_client.post(add, {"name": "No address", "kind": "wecom", "webhook_url": "", "active": "on"})
    assert response.status_code == 200 and "Give the robot" in response.content.decode()
    response = hr_client.post(add, {"name": "Bad", "kind": "wecom", "webhook_url": "not a url", "active": "on"})
    assert response.status_code == 200 and not Channel.objects.exists()

    hr_client.post(add, {"name": "A", "kind": "wecom", "webhook_url": "https://qyapi.weixin.qq.com/x", "active": "on"})
    response = hr_client.post(
        add, {"name": "B", "kind": "wecom", "webhook_url": "https://qyapi.weixin.qq.com/y", "active": "on"}
    )
    assert response.status_code == 200  # a form error, not a server error
    assert Channel.objects.count() == 1


def test_the_admin_index_warns_hr_of_failed_messages(hr_client) -> None:
    assert "could not be sent" not in hr_client.get(reverse("admin:index")).content.decode()
    DeliveryFactory(state="failed", attempts=5, last_error="unreachable:ConnectionRefusedError")
    DeliveryFactory(state="sent", attempts=1)
    page = hr_client.get(reverse("admin:index")).content.decode()
    assert "1 message could not be sent after every attempt." in page
    assert reverse("admin:notifications_delivery_changelist") + "?state__exact=failed" in page
