"""Interaction records, feedback, reports and business records: who may write them and what they are tied to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import BusinessRecord, Feedback, Interaction, Report
from clients.services import (
    assignment_create,
    business_record_upsert,
    client_create,
    client_update,
    feedback_record,
    interaction_record,
    report_write,
)
from core.choices import ClientTier
from tests.clients.factories import ClientFactory
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory, AssistantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """The factories give every user a password; the production hasher takes seconds per user on a busy machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


DAY = dt.date(2026, 10, 15)


@pytest.fixture
def served():
    """A client served by one manager since 2026-01-01."""
    client = ClientFactory()
    manager = AccountManagerFactory(grade="senior")
    assignment_create(client=client, manager=manager, start=dt.date(2026, 1, 1), reason="initial")
    return client, manager


def record(client, manager, recorded_by, **overrides) -> Interaction:
    fields = {"kind": Interaction.Kind.VISIT, "date": DAY, "summary": "Visited the treasurer."}
    return interaction_record(client=client, manager=manager, recorded_by=recorded_by, **{**fields, **overrides})


def test_the_manager_records_an_interaction(served) -> None:
    client, manager = served

    interaction = record(client, manager, manager.user, follow_up_date=dt.date(2026, 10, 30))

    assert (interaction.manager, interaction.recorded_by, interaction.follow_up_date) == (
        manager,
        manager.user,
        dt.date(2026, 10, 30),
    )


def test_the_managers_assistant_may_record_for_them(served) -> None:
    client, manager = served
    assistant = AssistantFactory(manager=manager)

    interaction = record(client, manager, assistant.user)

    assert interaction.recorded_by == assistant.user
    assert interaction.manager == manager


def test_a_stranger_or_another_managers_assistant_is_refused(served) -> None:
    client, manager = served
    other_assistant = AssistantFactory()  # works for another manager
    inactive = AssistantFactory(manager=manager, active=False)

    for user in (UserFactory(), other_assistant.user, inactive.user):
        with pytest.raises(ValidationError, match="key-account assistant may record"):
            record(client, manager, user)
    assert not Interaction.objects.exists()


def test_only_the_clients_manager_on_that_date_may_log_it(served) -> None:
    client, manager = served
    other = AccountManagerFactory(grade="senior")

    with pytest.raises(ValidationError) as exc:
        record(client, other, other.user)
    assert "was not the account manager of" in exc.value.message_dict["date"][0]
    with pytest.raises(ValidationError, match="was not the account manager"):
        record(client, manager, manager.user, date=dt.date(2025, 12, 31))  # before the assignment began


def test_a_follow_up_cannot_precede_the_interaction(served) -> None:
    client, manager = served

    with pytest.raises(ValidationError) as exc:
        record(client, manager, manager.user, follow_up_date=DAY - dt.timedelta(days=1))
    assert "follow_up_date" in exc.value.message_dict


def test_feedback_is_tied_to_the_manager_of_that_date() -> None:
    client = ClientFactory()
    before, after = AccountManagerFactory(grade="senior"), AccountManagerFactory(grade="first")
    assignment_create(client=client, manager=before, start=dt.date(2026, 1, 1), reason="initial")
    assignment_create(client=client, manager=after, start=dt.date(2026, 7, 1), reason="reassigned")

    june = feedback_record(client=client, date=dt.date(2026, 6, 30), source=Feedback.Source.SURVEY, satisfaction=5)
    july = feedback_record(
        client=client, date=dt.date(2026, 7, 1), source=Feedback.Source.COMPLAINT, complaint="Slow answers."
    )
    unassigned = feedback_record(
        client=client, date=dt.date(2025, 6, 1), source=Feedback.Source.CALLBACK, suggestion="More visits."
    )

    assert (june.manager, july.manager, unassigned.manager) == (before, after, None)


def test_feedback_must_say_something() -> None:
    with pytest.raises(ValidationError, match="satisfaction score, a complaint or a suggestion"):
        feedback_record(client=ClientFactory(), date=DAY, source=Feedback.Source.CALLBACK, complaint="  ")
    with pytest.raises(ValidationError):
        feedback_record(client=ClientFactory(), date=DAY, source=Feedback.Source.SURVEY, satisfaction=6)
    assert not Feedback.objects.exists()


def test_a_report_needs_the_managers_attestation_and_a_current_client(served) -> None:
    client, manager = served
    fields = {"kind": Report.Kind.RISK, "title": "Liquidity", "body": "Receivables are ageing."}

    with pytest.raises(ValidationError) as exc:
        report_write(client=client, manager=manager, attests_truth=False, **fields)
    assert "004 §八" in exc.value.message_dict["attests_truth"][0]
    with pytest.raises(ValidationError, match="was not the account manager"):
        report_write(client=client, manager=AccountManagerFactory(grade="senior"), attests_truth=True, **fields)

    report = report_write(client=client, manager=manager, attests_truth=True, **fields)
    assert report.attests_truth and report.manager == manager


def test_business_record_upsert_normalises_the_month_and_replaces() -> None:
    client = ClientFactory()

    business_record_upsert(client=client, month=dt.date(2026, 3, 17), volume=Decimal("1200.50"), products_used=2)
    record = business_record_upsert(client=client, month=dt.date(2026, 3, 31), volume=Decimal("1300"), products_used=3)

    assert BusinessRecord.objects.get() == record
    assert (record.month, record.volume, record.products_used) == (dt.date(2026, 3, 1), Decimal("1300"), 3)
    with pytest.raises(ValidationError):
        business_record_upsert(client=client, month=dt.date(2026, 4, 1), volume=Decimal("-1"), products_used=1)


def test_a_new_client_is_ordinary_and_the_tier_cannot_be_edited() -> None:
    client = client_create(name="Acme", registration_code=" 913100001 ", industry="Retail", size="small")

    assert (client.tier, client.registration_code) == (ClientTier.ORDINARY, "913100001")
    with pytest.raises(ValidationError, match="cannot be changed here: tier"):
        client_update(client=client, tier=ClientTier.CORE)
    with pytest.raises(ValidationError):
        client_create(name="Copy", registration_code="913100001", industry="Retail", size="small")
    assert client_update(client=client, status="active").status == "active"


def test_an_interaction_cannot_be_dated_in_the_future(served) -> None:
    client, manager = served
    with pytest.raises(ValidationError):
        record(client, manager, manager.user, date=timezone.localdate() + dt.timedelta(days=1))
