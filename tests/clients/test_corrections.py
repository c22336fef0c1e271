"""Authors correct or withdraw their own interactions, feedback and reports within the window HR sets; texts have
limits that are told, never cut."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.forms import InteractionForm, ReportForm
from clients.models import Feedback, Interaction, Report, WorkLogPolicy
from clients.services import (
    assignment_create,
    assistant_kpis_compute,
    feedback_correct,
    feedback_record,
    interaction_correct,
    interaction_record,
    report_correct,
    report_write,
    work_record_withdraw,
)
from managers.models import AssistantKpi
from tests.clients.factories import ClientFactory
from tests.managers.factories import AccountManagerFactory, AssistantFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def served():
    """A client served since 1 January by a manager who has an assistant."""
    client = ClientFactory(name="Huaxin Machinery")
    manager = AccountManagerFactory(grade="senior")
    assignment_create(client=client, manager=manager, start=TODAY.replace(month=1, day=1), reason="initial")
    return client, manager, AssistantFactory(manager=manager)


def _interaction(client, manager, by, **overrides) -> Interaction:
    fields = {"kind": Interaction.Kind.VISIT, "date": TODAY, "summary": "Visited the treasurer."}
    return interaction_record(client=client, manager=manager, recorded_by=by, **{**fields, **overrides})


def _age(record, hours: float) -> None:
    """Pretend the record was made `hours` ago."""
    type(record).objects.filter(pk=record.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours))
    record.refresh_from_db()


def _correction(**overrides) -> dict:
    return {"kind": Interaction.Kind.CALL, "date": TODAY, "summary": "Called the treasurer.", **overrides}


# --- the window and the author --------------------------------------------------------------------------------------


def test_the_author_corrects_a_record_and_the_earlier_version_stays_in_its_history(served) -> None:
    client, manager, _assistant = served
    interaction = _interaction(client, manager, manager.user)

    interaction_correct(interaction=interaction, by=manager.user, **_correction())

    interaction.refresh_from_db()
    assert (interaction.kind, interaction.summary) == ("call", "Called the treasurer.")
    versions = list(interaction.history.order_by("history_date").values_list("summary", "history_change_reason"))
    assert versions == [("Visited the treasurer.", None), ("Called the treasurer.", "corrected")]


def test_someone_elses_record_is_refused_with_a_message(served) -> None:
    client, manager, assistant = served
    by_assistant = _interaction(client, manager, assistant.user)

    # The manager answers for the assistant's work, but only its author may rewrite it.
    with pytest.raises(ValidationError, match="Only the person who recorded it"):
        interaction_correct(interaction=by_assistant, by=manager.user, **_correction())
    with pytest.raises(ValidationError, match="Only the person who recorded it"):
        work_record_withdraw(record=by_assistant, by=manager.user, reason="mine now")
    by_assistant.refresh_from_db()
    assert by_assistant.summary == "Visited the treasurer." and by_assistant.withdrawn_at is None


def test_after_the_window_the_record_is_refused_until_hr_widens_the_window(served) -> None:
    client, manager, _assistant = served
    interaction = _interaction(client, manager, manager.user)
    _age(interaction, 25)  # the default window is 24 hours

    with pytest.raises(ValidationError, match="within 24 hours"):
        interaction_correct(interaction=interaction, by=manager.user, **_correction())

    WorkLogPolicy.objects.create(correction_window_hours=48)
    interaction_correct(interaction=interaction, by=manager.user, **_correction())
    assert Interaction.objects.get(pk=interaction.pk).summary == "Called the treasurer."

    WorkLogPolicy.objects.create(correction_window_hours=0)  # the latest row is in force: no corrections at all
    with pytest.raises(ValidationError, match="within 0 hours"):
        work_record_withdraw(record=interaction, by=manager.user, reason="late")


def test_a_correction_follows_the_rules_of_a_new_record(served) -> None:
    client, manager, _assistant = served
    interaction = _interaction(client, manager, manager.user)

    with pytest.raises(ValidationError) as refused:
        interaction_correct(interaction=interaction, by=manager.user, **_correction(date=TODAY + dt.timedelta(days=1)))

    assert "date" in refused.value.message_dict
    assert Interaction.objects.get(pk=interaction.pk).kind == "visit"


def test_feedback_is_corrected_by_its_recorder_and_a_survey_answer_never(served) -> None:
    client, manager, assistant = served
    feedback = feedback_record(
        client=client, date=TODAY, source=Feedback.Source.CALLBACK, satisfaction=2, recorded_by=assistant.user
    )

    feedback_correct(feedback=feedback, by=assistant.user, date=TODAY, source="callback", satisfaction=4)
    assert Feedback.objects.get(pk=feedback.pk).satisfaction == 4
    assert feedback.history.count() == 2

    survey = Feedback.objects.create(
        client=client, manager=manager, date=TODAY, source="survey", satisfaction=1, created_at=timezone.now()
    )
    Feedback.objects.filter(pk=survey.pk).update(recorded_by=assistant.user)
    survey.refresh_from_db()
    with pytest.raises(ValidationError, match="survey answer"):
        feedback_correct(feedback=survey, by=assistant.user, date=TODAY, source="callback", satisfaction=5)


def test_a_report_is_corrected_by_its_writer_and_a_long_title_is_refused_not_cut(served) -> None:
    client, manager, _assistant = served
    report = report_write(
        client=client, manager=manager, kind="proposal", title="Draft", body="Text", attests_truth=True
    )

    with pytest.raises(ValidationError) as refused:
        report_correct(report=report, by=manager.user, kind="proposal", title="T" * 201, body="Text")
    assert "title" in refused.value.message_dict
    assert "200" in refused.value.message_dict["title"][0]

    report_correct(report=report, by=manager.user, kind="risk", title="Risks of the new line", body="Text")
    assert Report.objects.get(pk=report.pk).title == "Risks of the new line"


# --- withdrawing ------------------------------------------------------------------------------------------------


def test_a_withdrawn_record_is_kept_with_its_reason_and_cannot_change_again(served) -> None:
    client, manager, _assistant = served
    interaction = _interaction(client, manager, manager.user)

    with pytest.raises(ValidationError, match="Say why"):
        work_record_withdraw(record=interaction, by=manager.user, reason="  ")
    work_record_withdraw(record=interaction, by=manager.user, reason="Logged on the wrong client")

    kept = Interaction.objects.get(pk=interaction.pk)
    assert kept.is_withdrawn and kept.withdrawn_reason == "Logged on the wrong client"
    assert kept.summary == "Visited the treasurer."  # the record itself is untouched
    assert kept.history.first().history_change_reason == "withdrawn"
    with pytest.raises(ValidationError, match="withdrawn"):
        interaction_correct(interaction=kept, by=manager.user, **_correction())


def test_a_withdrawn_interaction_report_or_feedback_counts_in_no_kpi(served) -> None:
    # This month the assistant recorded 2 interactions and wrote 1 report, and the client rated the manager 5 and 1;
    # they withdrew one interaction, the report and the rating of 1: contacts 2 − 1 = 1, reports 1 − 1 = 0,
    # satisfaction 5 × 20 = 100.00 (with the 1 it would be 3 × 20 = 60.00).
    client, manager, assistant = served
    month = TODAY.replace(day=1)
    _interaction(client, manager, assistant.user, date=month)
    wrong = _interaction(client, manager, assistant.user, date=month)
    report = report_write(
        client=client,
        manager=manager,
        kind="proposal",
        title="Plan",
        body="Text",
        attests_truth=True,
        written_by=assistant.user,
    )
    feedback_record(client=client, date=month, source="callback", satisfaction=5, recorded_by=assistant.user)
    low = feedback_record(client=client, date=month, source="callback", satisfaction=1, recorded_by=assistant.user)
    for record in (wrong, report, low):
        work_record_withdraw(record=record, by=assistant.user, reason="Recorded twice")

    assistant_kpis_compute(month=month)

    kpi = AssistantKpi.objects.get(assistant=assistant, month=month)
    assert (kpi.contacts_done, kpi.reports_written, kpi.satisfaction) == (1, 0, 100)


# --- lengths ------------------------------------------------------------------------------------------------------


def test_a_summary_of_20000_characters_is_refused_with_its_limit(served) -> None:
    client, manager, _assistant = served

    with pytest.raises(ValidationError) as refused:
        _interaction(client, manager, manager.user, summary="x" * 20_000)

    assert "10000" in refused.value.message_dict["summary"][0]
    assert not Interaction.objects.exists()


def test_the_forms_tell_the_limit_instead_of_cutting() -> None:
    form = InteractionForm(
        data={"interaction-kind": "visit", "interaction-date": f"{TODAY:%Y-%m-%d}", "interaction-summary": "x" * 10001}
    )
    report = ReportForm(
        data={"report-kind": "risk", "report-title": "T" * 201, "report-body": "b", "report-attests_truth": "on"}
    )

    assert not form.is_valid() and "10000" in form.errors["summary"][0] and "10001" in form.errors["summary"][0]
    assert not report.is_valid() and "200" in report.errors["title"][0]
    # No maxlength attribute: a browser would silently cut a pasted title at the limit.
    assert "maxlength" not in str(report["title"]) and "maxlength" not in str(form["summary"])
    assert "10,000" in str(form.fields["summary"].help_text)


# --- the pages ----------------------------------------------------------------------------------------------------


def test_the_client_page_offers_a_correction_only_for_the_users_own_recent_records(client, served) -> None:
    row, manager, assistant = served
    own = _interaction(row, manager, manager.user, summary="Mine, today")
    old = _interaction(row, manager, manager.user, summary="Mine, two days ago")
    _age(old, 48)
    theirs = _interaction(row, manager, assistant.user, summary="The assistant's")
    client.force_login(manager.user)

    body = client.get(reverse("clients:detail", args=[row.pk])).content.decode()

    assert reverse("clients:record_correct", args=[row.pk, "interaction", own.pk]) in body
    assert reverse("clients:record_correct", args=[row.pk, "interaction", old.pk]) not in body
    assert reverse("clients:record_correct", args=[row.pk, "interaction", theirs.pk]) not in body


def test_the_author_corrects_then_withdraws_through_the_pages(client, served) -> None:
    row, manager, _assistant = served
    interaction = _interaction(row, manager, manager.user)
    url = reverse("clients:record_correct", args=[row.pk, "interaction", interaction.pk])
    client.force_login(manager.user)

    assert "Visited the treasurer.</textarea>" in client.get(url).content.decode()  # the form starts from the record
    too_long = client.post(
        url,
        {
            "action": "correct",
            "interaction-kind": "call",
            "interaction-date": f"{TODAY:%Y-%m-%d}",
            "interaction-summary": "x" * 10001,
        },
    )
    assert too_long.status_code == 200 and "10001" in too_long.content.decode()
    corrected = client.post(
        url,
        {
            "action": "correct",
            "interaction-kind": "call",
            "interaction-date": f"{TODAY:%Y-%m-%d}",
            "interaction-summary": "Called instead",
        },
    )
    assert corrected.status_code == 302
    withdrawn = client.post(url, {"action": "withdraw", "withdraw-reason": "Wrong client"}, follow=True)

    body = withdrawn.content.decode()
    assert "The record was withdrawn." in body and "Wrong client" in body
    assert Interaction.objects.get(pk=interaction.pk).summary == "Called instead"
    again = client.get(url).content.decode()
    assert 'id="correction-refused"' in again and "<textarea" not in again


def test_the_correction_page_refuses_another_author_and_hides_another_line(client, served) -> None:
    row, manager, assistant = served
    interaction = _interaction(row, manager, assistant.user)
    url = reverse("clients:record_correct", args=[row.pk, "interaction", interaction.pk])

    client.force_login(manager.user)
    page = client.get(url)
    assert page.status_code == 200 and "Only the person who recorded it" in page.content.decode()
    assert client.post(url, {"action": "withdraw", "withdraw-reason": "x"}).status_code == 200
    assert not Interaction.objects.get(pk=interaction.pk).is_withdrawn

    client.force_login(AccountManagerFactory(grade="senior").user)  # someone outside the client's line
    assert client.get(url).status_code == 404
    client.force_login(manager.user)
    assert client.get(url.replace("/interaction/", "/contact/")).status_code == 404  # no such kind of record


@pytest.mark.parametrize("others", [0, 8])
def test_the_correction_page_takes_a_fixed_number_of_queries(client, served, django_assert_num_queries, others):
    row, manager, _assistant = served
    for n in range(others):
        _interaction(row, manager, manager.user, summary=f"Other visit {n}")
    interaction = _interaction(row, manager, manager.user)
    client.force_login(manager.user)

    # session, user, groups (role), the user's manager row, the ids of their line, the client, the record with its
    # client and manager, the correction window
    with django_assert_num_queries(8):
        response = client.get(reverse("clients:record_correct", args=[row.pk, "interaction", interaction.pk]))

    assert response.status_code == 200 and "<textarea" in response.content.decode()
