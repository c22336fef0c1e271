"""A reminder reaches each vendor's robot with a valid signature, a receiver that is down is retried and then shown
to HR as failed, and an event reaches nobody twice. The receiver is a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.core import mail
from django.urls import reverse

from appraisals.models import RaterType
from appraisals.services.ratings import ratings_remind
from config.celery import app as celery_app
from core.roles import Role
from notifications.events import RATING_DUE, SPOT_CHECK_PROBLEM
from notifications.models import Channel, ChannelKind, Delivery
from notifications.services import MAX_ATTEMPTS, deliveries_resend, delivery_attempt, notify
from notifications.tasks import delivery_send_task
from tests.appraisals.factories_ratings import RatingFactory, rater_user
from tests.notifications.factories import ChannelFactory, DeliveryFactory, PreferenceFactory
from tests.notifications.fake_receiver import FakeReceiver

pytestmark = pytest.mark.django_db

DING_SECRET = "SEC0123456789abcdef+/="  # characters that must be URL-encoded in DingTalk's query
FEISHU_SECRET = "feishu-signing-secret"
SECRETS = {"dingtalk": DING_SECRET, "feishu": FEISHU_SECRET, "wecom": ""}
MOBILE = "13800001111"


@pytest.fixture
def eager(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # the worker sends in-process


@pytest.fixture
def receiver():
    with FakeReceiver(dingtalk_secret=DING_SECRET, feishu_secret=FEISHU_SECRET) as fake:
        yield fake


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_a_reminder_reaches_the_robot_with_a_valid_signature(
    kind, receiver, eager, django_capture_on_commit_callbacks
) -> None:
    ChannelFactory(kind=kind, webhook_url=receiver.url(kind), secret=SECRETS[kind])
    rater = rater_user(Role.DEPARTMENT_HEAD)
    PreferenceFactory(user=rater, kind=kind, handle=MOBILE)
    RatingFactory(rater_type=RaterType.HEAD, rater=rater)
    RatingFactory(rater_type=RaterType.HEAD, rater=rater)

    with django_capture_on_commit_callbacks(execute=True):
        assert ratings_remind(today=dt.date(2026, 7, 6)) >= 1

    assert receiver.refused == []
    [body] = receiver.accepted[kind]
    text = {"wecom": lambda b: b["text"]["content"], "dingtalk": lambda b: b["text"]["content"]}.get(
        kind, lambda b: b["content"]["text"]
    )(body)
    assert "2 pending ratings" in text and "/appraisals/ratings/" in text
    assert rater.get_full_name() in text  # a group reads it: it names whom it is for
    if kind == "wecom":
        assert body["text"]["mentioned_mobile_list"] == [MOBILE]
    if kind == "dingtalk":
        assert body["at"]["atMobiles"] == [MOBILE]
    delivery = Delivery.objects.get(recipient=rater, event=RATING_DUE)
    assert (delivery.kind, delivery.state, delivery.attempts, delivery.last_error) == (kind, "sent", 1, "")
    assert [m for m in mail.outbox if m.to == [rater.email]] == []  # the robot instead of the e-mail


@pytest.mark.parametrize("kind", ["dingtalk", "feishu"])
def test_a_wrong_signing_secret_is_refused_by_the_receiver_and_the_message_ends_failed(
    kind, receiver, eager, django_capture_on_commit_callbacks
) -> None:
    ChannelFactory(kind=kind, webhook_url=receiver.url(kind), secret="not-the-robots-secret")
    rater = rater_user()
    PreferenceFactory(user=rater, kind=kind, handle=MOBILE)

    with django_capture_on_commit_callbacks(execute=True):
        notify(event=RATING_DUE, recipient=rater, params={"count": 1, "deadline": "2026-07-15"}, key="2026-07-06")

    assert receiver.accepted[kind] == []
    assert receiver.refused == [(kind, "signature")] * MAX_ATTEMPTS
    delivery = Delivery.objects.get(recipient=rater)
    assert delivery.state == "failed"
    assert delivery.last_error == {"dingtalk": "dingtalk_error:310000", "feishu": "feishu_error:19021"}[kind]


def test_with_the_receiver_down_the_message_is_retried_with_backoff_then_failed() -> None:
    ChannelFactory(kind="dingtalk", webhook_url=f"http://127.0.0.1:{_closed_port()}/robot/send?access_token=t")
    delivery = DeliveryFactory(kind="dingtalk", recipient=PreferenceFactory(kind="dingtalk", handle=MOBILE).user)

    # Five attempts, waiting 30 s, 1, 2 and 4 minutes between them, then failed for HR.
    waits = [delivery_attempt(delivery_id=delivery.pk).retry_in for _ in range(MAX_ATTEMPTS)]
    assert waits == [30, 60, 120, 240, None]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert delivery.last_error == "unreachable:ConnectionRefusedError"
    assert delivery.sent_at is None
    # A failed message is not tried again by a late task; only HR's re-send does.
    assert delivery_attempt(delivery_id=delivery.pk).state == "failed"
    assert Delivery.objects.get(pk=delivery.pk).attempts == MAX_ATTEMPTS


def test_the_task_retries_until_the_last_attempt_then_hr_sees_it_failed_and_resends(
    client, receiver, eager, django_capture_on_commit_callbacks
) -> None:
    channel = ChannelFactory(kind="wecom", webhook_url=f"http://127.0.0.1:{_closed_port()}/cgi-bin/webhook/send?key=k")
    rater = PreferenceFactory(kind="wecom", handle=MOBILE).user
    with django_capture_on_commit_callbacks(execute=True):
        notify(event=RATING_DUE, recipient=rater, params={"count": 3, "deadline": "2026-07-15"}, key="2026-07-06")
    delivery = Delivery.objects.get(recipient=rater)
    assert (delivery.state, delivery.attempts) == ("failed", MAX_ATTEMPTS)  # the eager task retried itself

    hr = rater_user(Role.HR)
    client.force_login(hr)
    response = client.get(reverse("admin:notifications_delivery_changelist"), {"state__exact": "failed"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 message(s) could not be sent after every attempt" in page
    assert rater.username in page and "unreachable:ConnectionRefusedError" in page

    # The robot is back (HR fixed the address): HR sends it again and it arrives once.
    Channel.objects.filter(pk=channel.pk).update(webhook_url=receiver.url("wecom"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:notifications_delivery_changelist"),
            {"action": "resend", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert "1 message(s) queued to be sent again." in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 1)
    assert len(receiver.accepted["wecom"]) == 1


def test_one_event_notified_twice_is_sent_once(receiver, eager, django_capture_on_commit_callbacks) -> None:
    ChannelFactory(kind="feishu", webhook_url=receiver.url("feishu"), secret=FEISHU_SECRET)
    manager = PreferenceFactory(kind="feishu", handle="ou_123").user
    params = {"checked_on": "2026-05-10", "link": "/appraisals/mine/"}
    with django_capture_on_commit_callbacks(execute=True):
        notify(event=SPOT_CHECK_PROBLEM, recipient=manager, params=params, key="spot-check:7")
        notify(event=SPOT_CHECK_PROBLEM, recipient=manager, params=params, key="spot-check:7")
    with django_capture_on_commit_callbacks(execute=True):
        notify(event=SPOT_CHECK_PROBLEM, recipient=manager, params=params, key="spot-check:7")
    assert len(receiver.accepted["feishu"]) == 1
    assert '<at user_id="ou_123"></at>' in receiver.accepted["feishu"][0]["content"]["text"]
    assert Delivery.objects.filter(recipient=manager).count() == 1
    # A delivery already sent is never sent again, even by a duplicated task.
    delivery_send_task.apply(args=[Delivery.objects.get(recipient=manager).pk])
    assert len(receiver.accepted["feishu"]) == 1


def test_email_stays_the_default_and_is_sent_in_the_readers_language(eager, django_capture_on_commit_callbacks):
    plain = rater_user()
    chinese = PreferenceFactory(language="zh-hans").user
    # A robot preference whose channel HR switched off falls back to e-mail.
    off = PreferenceFactory(kind="dingtalk", handle=MOBILE).user
    ChannelFactory(kind="dingtalk", active=False)
    params = {"period": "2026-07", "link": "/pay/statements/1/"}
    with django_capture_on_commit_callbacks(execute=True):
        for user in (plain, chinese, off):
            assert notify(event="pay_approved", recipient=user, params=params, key=f"statement:{user.pk}") == "email"
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address[plain.email].subject == "Your pay statement is approved"
    assert by_address[chinese.email].subject == "您的工资单已审批"
    assert "http://" in by_address[plain.email].body and "/pay/statements/1/" in by_address[plain.email].body
    assert set(Delivery.objects.values_list("state", "kind").distinct()) == {("sent", ChannelKind.EMAIL)}


def test_a_user_without_an_email_address_fails_at_once_for_hr_to_see(eager, django_capture_on_commit_callbacks):
    nobody = rater_user()
    nobody.email = ""
    nobody.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(event=RATING_DUE, recipient=nobody, params={"count": 1, "deadline": "2026-07-15"}, key="d")
    delivery = Delivery.objects.get(recipient=nobody)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("failed", 1, "no_address")


def test_resend_leaves_sent_messages_alone() -> None:
    sent = DeliveryFactory(state="sent", attempts=1)
    assert deliveries_resend(pks=[sent.pk]) == 0
    assert Delivery.objects.get(pk=sent.pk).attempts == 1
