"""Through a real Celery worker: a robot that is down when the first attempt is made gets the message once it is
back, from the task's own retry with backoff."""

from __future__ import annotations

import socket

import pytest

from notifications.models import Delivery
from notifications.tasks import delivery_send_task
from tests.conftest import wait_for
from tests.notifications.factories import ChannelFactory, DeliveryFactory, PreferenceFactory
from tests.notifications.fake_receiver import WECOM_KEY, FakeReceiver


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_a_robot_that_is_down_until_it_answers(celery_worker_process) -> None:
    port = _closed_port()
    ChannelFactory(kind="wecom", webhook_url=f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={WECOM_KEY}")
    delivery = DeliveryFactory(kind="wecom", recipient=PreferenceFactory(kind="wecom", handle="13800001111").user)
    _, queue = celery_worker_process(extra_env={"NOTIFICATIONS_RETRY_SECONDS": "2"})

    delivery_send_task.apply_async(args=[delivery.pk], queue=queue)
    first = wait_for(lambda: Delivery.objects.filter(pk=delivery.pk, attempts__gte=1).first())
    assert (first.state, first.last_error) == ("pending", "unreachable:ConnectionRefusedError")

    # The robot comes back on its address; the retry (2 s, then 4 s later) delivers the message, once.
    with FakeReceiver(port=port) as receiver:
        sent = wait_for(lambda: Delivery.objects.filter(pk=delivery.pk, state="sent").first())
    assert sent.attempts >= 2 and sent.last_error == ""
    assert len(receiver.accepted["wecom"]) == 1 and receiver.refused == []
