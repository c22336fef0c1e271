"""Each user chooses on a small page, reached from the menu under their name, how they are told of events."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.roles import Role
from notifications.models import Preference
from tests.appraisals.factories_ratings import rater_user
from tests.notifications.factories import ChannelFactory

pytestmark = pytest.mark.django_db
URL = reverse("notifications:preferences")


def test_the_page_is_in_the_user_menu_and_offers_only_channels_hr_set_up(client, django_assert_num_queries) -> None:
    ChannelFactory(kind="dingtalk")
    ChannelFactory(kind="feishu", active=False)
    user = rater_user(Role.ACCOUNT_MANAGER)
    client.force_login(user)
    with django_assert_num_queries(5):  # session, user, preference, active channels, groups (nav)
        page = client.get(URL).content.decode()
    user_menu = page.split('id="user-menu"', 1)[1].split("</ul>", 1)[0]
    assert f'href="{URL}"' in user_menu
    assert 'value="dingtalk"' in page and 'value="email"' in page
    assert 'value="feishu"' not in page and 'value="wecom"' not in page


def test_a_robot_needs_the_users_handle_and_the_choice_is_saved(client) -> None:
    ChannelFactory(kind="wecom")
    user = rater_user()
    client.force_login(user)
    response = client.post(URL, {"kind": "wecom", "handle": " ", "language": ""})
    assert response.status_code == 200
    assert "so that the robot can @-mention you" in response.content.decode()
    assert not Preference.objects.exists()

    response = client.post(URL, {"kind": "wecom", "handle": "13800001111", "language": "zh-hans"}, follow=True)
    assert "Your notification preferences are saved." in response.content.decode()
    preference = Preference.objects.get(user=user)
    assert (preference.kind, preference.handle, preference.language) == ("wecom", "13800001111", "zh-hans")


def test_a_channel_hr_has_not_set_up_is_refused_not_a_server_error(client) -> None:
    client.force_login(rater_user())
    response = client.post(URL, {"kind": "feishu", "handle": "ou_1", "language": "xx"})
    assert response.status_code == 200
    assert not Preference.objects.exists()


def test_the_page_needs_a_login(client) -> None:
    assert client.get(URL).status_code == 302
