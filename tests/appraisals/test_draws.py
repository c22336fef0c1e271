"""Every random draw can be re-run by an auditor: peer draws and client-sample draws are recorded with their
population, seed and sample, and verified by re-running them, as spot-check draws are."""

from __future__ import annotations

import random

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from appraisals.models import Appraisal, ClientSampleDraw, PeerDraw, RaterType, Rating
from appraisals.services.cycles import cycle_open
from appraisals.services.draws import client_sample_draw_verify, draw_sample, peer_draw_verify
from appraisals.services.surveys import client_sample_draw
from tests.appraisals.factories import AppraisalCycleFactory, TemplateFactory, rated_indicator
from tests.appraisals.factories_ratings import AppraisalFactory, client_with_contact
from tests.appraisals.factories_results import hr_user
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_client_sample_draw_reruns_from_its_record(django_capture_on_commit_callbacks):
    # Five reachable clients, a sample of 3: the record holds the five client ids (sorted), k = 3, the seed, and
    # the three drawn; random.Random(seed).sample(population, 3), sorted, gives the same three again.
    appraisal = AppraisalFactory()  # template.client_sample_size = 3
    clients = sorted(client_with_contact(appraisal.manager).pk for _ in range(5))
    with django_capture_on_commit_callbacks(execute=True):
        client_sample_draw(cycle=appraisal.cycle)

    draw = ClientSampleDraw.objects.get(appraisal=appraisal)
    assert (draw.population, draw.sample_size, len(draw.seed)) == (clients, 3, 64)
    assert draw.sample == sorted(random.Random(draw.seed).sample(clients, 3))
    rated = set(
        Rating.objects.filter(appraisal=appraisal, rater_type=RaterType.CLIENT).values_list("client", flat=True)
    )
    assert rated == set(draw.sample)
    assert client_sample_draw_verify(draw=draw)

    # A tampered record fails: another sample, or a rating of a client nobody drew.
    other = next(c for c in clients if c not in draw.sample)
    ClientSampleDraw.objects.filter(pk=draw.pk).update(sample=sorted([*draw.sample[1:], other]))
    draw.refresh_from_db()
    assert not client_sample_draw_verify(draw=draw)


def test_a_top_up_is_a_draw_of_its_own_and_both_verify(django_capture_on_commit_callbacks):
    # Two clients: both drawn (population [a, b], k = 2). A third arrives: the top-up draws from [c] alone, k = 1.
    appraisal = AppraisalFactory()
    for _ in range(2):
        client_with_contact(appraisal.manager)
    with django_capture_on_commit_callbacks(execute=True):
        client_sample_draw(cycle=appraisal.cycle)
    third = client_with_contact(appraisal.manager)
    with django_capture_on_commit_callbacks(execute=True):
        client_sample_draw(cycle=appraisal.cycle)

    first, top_up = ClientSampleDraw.objects.filter(appraisal=appraisal).order_by("pk")
    assert (len(first.population), first.sample_size) == (2, 2)
    assert (top_up.population, top_up.sample) == ([third.pk], [third.pk])
    assert client_sample_draw_verify(draw=first) and client_sample_draw_verify(draw=top_up)


def test_peer_draws_are_recorded_when_the_cycle_opens_and_rerun(client):
    # A department of four second-level managers and a senior; 2 peers each. Each manager's population is the
    # other three second-level managers (never the senior, never themselves); the sample is 2 of them.
    department = DepartmentFactory(name="Peers")
    seconds = [AccountManagerFactory(grade="second", department=department) for _ in range(4)]
    AccountManagerFactory(grade="senior", department=department)
    template = TemplateFactory(peers_per_manager=2)
    rated_indicator(template, "performance", "P", 100, "shp")
    rated_indicator(template, "behaviour", "B", 100, "hp")
    rated_indicator(template, "ability", "A", 100, "sh")
    cycle = AppraisalCycleFactory(template=template)
    cycle_open(cycle=cycle)

    for manager in seconds:
        draw = PeerDraw.objects.get(cycle=cycle, manager=manager)
        assert draw.population == sorted(m.pk for m in seconds if m != manager)
        assert draw.sample == draw_sample(seed=draw.seed, population=draw.population, k=2)
        assert peer_draw_verify(draw=draw)
    senior_draw = PeerDraw.objects.get(cycle=cycle, manager__grade_changes__to_grade__code="senior")
    assert (senior_draw.population, senior_draw.sample) == ([], [])

    # A peer rating that the record does not account for fails the check.
    draw = PeerDraw.objects.get(cycle=cycle, manager=seconds[0])
    outsider = next(m for m in seconds[1:] if m.pk not in draw.sample)
    Rating.objects.create(
        appraisal=Appraisal.objects.get(cycle=cycle, manager=seconds[0]), rater_type=RaterType.PEER, rater=outsider.user
    )
    assert not peer_draw_verify(draw=draw)

    # The auditor's admin action says which draw passed and which failed.
    client.force_login(hr_user())
    passed = PeerDraw.objects.get(cycle=cycle, manager=seconds[1])
    response = client.post(
        reverse("admin:appraisals_peerdraw_changelist"),
        {"action": "verify", helpers.ACTION_CHECKBOX_NAME: [draw.pk, passed.pk]},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert sum("passed" in m for m in messages) == 1
    assert sum("FAILED" in m for m in messages) == 1
