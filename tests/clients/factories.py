from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from clients.models import Assignment, BusinessRecord, Client, Contact, Feedback, Interaction, Report
from core.choices import ClientTier
from tests.managers.factories import AccountManagerFactory


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n} Co., Ltd.")
    registration_code = factory.Sequence(lambda n: f"91310000{n:010d}")
    industry = "Manufacturing"
    size = Client.Size.MEDIUM
    status = Client.Status.ACTIVE
    tier = ClientTier.ORDINARY


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@client.example.com")
    is_primary = True


class AssignmentFactory(factory.django.DjangoModelFactory):
    """An open assignment written directly (tests of the rules call clients.services instead)."""

    class Meta:
        model = Assignment

    client = factory.SubFactory(ClientFactory)
    manager = factory.SubFactory(AccountManagerFactory, grade="senior")
    start = dt.date(2024, 1, 1)
    reason = "initial assignment"


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    client = factory.SubFactory(ClientFactory)
    manager = factory.SubFactory(AccountManagerFactory, grade="senior")
    kind = Interaction.Kind.VISIT
    date = dt.date(2026, 10, 15)
    summary = "Quarterly review visit"
    recorded_by = factory.LazyAttribute(lambda o: o.manager.user)


class BusinessRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessRecord

    client = factory.SubFactory(ClientFactory)
    month = dt.date(2026, 1, 1)
    volume = Decimal("100000.00")
    products_used = 2


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    client = factory.SubFactory(ClientFactory)
    manager = factory.SubFactory(AccountManagerFactory, grade="senior")
    date = dt.date(2026, 10, 1)
    source = Feedback.Source.CALLBACK
    satisfaction = 4


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    client = factory.SubFactory(ClientFactory)
    manager = factory.SubFactory(AccountManagerFactory, grade="senior")
    kind = Report.Kind.PROPOSAL
    title = "Proposal"
    body = "We propose a second product line."
    attests_truth = True
