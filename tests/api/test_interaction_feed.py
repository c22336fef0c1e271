"""The call centre's feed of interactions: one service behind POST /api/interactions/bulk/ (stored, answered 202,
loaded by a job) and manage.py import_interactions (in-process); rows found again by their external id, every refused
row reported with its line and why, all-or-nothing or valid rows only; every run recorded as a FeedRun HR reads in
the API and the admin, with its progress."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.interaction_feeds import interactions_feed
from clients.models import FeedRun, Interaction
from clients.services import work_record_withdraw
from config import celery_app
from core.roles import Role
from tests.api.factories import ApiTokenFactory, auth_header
from tests.appraisals.factories_results import hr_user
from tests.clients.factories import AssignmentFactory, ClientFactory
from tests.core.factories import UserFactory
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db

HEADER = "external_id,client_code,manager,kind,date,summary\n"
GOOD = (
    # ACME's manager on 10 February is E100 (no manager named: the feed finds him); on 1 May it is E200.
    "CC-1,ACME-001,,call,2026-02-10,Asked about deposit rates\n"
    "CC-2,ACME-001,E200,visit,2026-05-01T10:30:00+08:00,Visit at the head office\n"
    "CC-3,BETA-002,,email,2026-06-01,Sent the new tariff\n"
)


@pytest.fixture
def people():
    first = AccountManagerFactory(employee_no="E100", grade="senior")
    second = AccountManagerFactory(employee_no="E200", grade="senior")
    acme, beta = ClientFactory(registration_code="ACME-001"), ClientFactory(registration_code="BETA-002")
    AssignmentFactory(client=acme, manager=first, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    AssignmentFactory(client=acme, manager=second, start=dt.date(2026, 4, 1))
    AssignmentFactory(client=beta, manager=second, start=dt.date(2024, 1, 1))
    return first, second


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    """Post a feed and let the worker (in-process) load it; returns the feed run as the API shows it afterwards."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)

    def load(http: HttpClient, body: str, all_or_nothing: str = "true", **headers: str) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = _post_csv(http, body, all_or_nothing, **headers)
        assert response.status_code == 202, response.content
        return http.get(response["Location"], **headers).json()

    return load


def _post_json(http: HttpClient, rows: list[dict]):
    return http.post(reverse("api:interaction-bulk"), json.dumps({"rows": rows}), content_type="application/json")


def _post_csv(http: HttpClient, body: str, all_or_nothing: str = "true", **headers: str):
    url = reverse("api:interaction-bulk") + f"?all_or_nothing={all_or_nothing}"
    return http.post(url, body.encode(), content_type="text/csv", **headers)


def _hr() -> HttpClient:
    http = HttpClient()
    http.force_login(hr_user())
    return http


def _recorded() -> dict[str, tuple[str, str, str, dt.date]]:
    return {
        i.external_ref: (i.client.registration_code, i.manager.employee_no, i.kind, i.date)
        for i in Interaction.objects.select_related("client", "manager")
    }


def test_a_feed_records_each_row_with_the_manager_of_its_day(people, worker) -> None:
    run = worker(_hr(), HEADER + GOOD)

    assert (run["state"], run["rows"], run["rows_total"], run["created"], run["updated"]) == ("succeeded", 3, 3, 3, 0)
    assert _recorded() == {
        "CC-1": ("ACME-001", "E100", "call", dt.date(2026, 2, 10)),
        "CC-2": ("ACME-001", "E200", "visit", dt.date(2026, 5, 1)),
        "CC-3": ("BETA-002", "E200", "email", dt.date(2026, 6, 1)),
    }
    record = FeedRun.objects.get()
    assert run["url"].endswith(reverse("api:feed-run-detail", args=[record.pk]))
    assert (record.kind, record.source, record.all_or_nothing) == ("interactions", "api", True)
    assert set(Interaction.objects.values_list("recorded_by", flat=True)) == {record.started_by_id}


def test_the_same_file_twice_creates_nothing_the_second_time_and_a_changed_row_updates(people, worker) -> None:
    http = _hr()
    worker(http, HEADER + GOOD)
    second = worker(http, HEADER + GOOD)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    assert Interaction.objects.count() == 3

    changed = GOOD.replace("Sent the new tariff", "Sent the new tariff and the fee table")
    third = worker(http, HEADER + changed)
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 2)
    assert Interaction.objects.get(external_ref="CC-3").summary == "Sent the new tariff and the fee table"
    assert list(FeedRun.objects.order_by("pk").values_list("created", "updated", "unchanged")) == [
        (3, 0, 0),
        (0, 0, 3),
        (0, 1, 2),
    ]


def test_a_withdrawn_interaction_stays_withdrawn_when_the_feed_sends_it_again(people, worker) -> None:
    http = _hr()
    worker(http, HEADER + GOOD)
    withdrawn = Interaction.objects.get(external_ref="CC-3")
    work_record_withdraw(record=withdrawn, by=withdrawn.recorded_by, reason="Logged twice")
    long_note = "y" * 5000  # a call centre's note: over 2,000 characters, under the summary's 10,000

    changed = GOOD.replace("Sent the new tariff", long_note).replace("Asked about deposit rates", long_note)
    again = worker(http, HEADER + changed)

    # CC-1 updated with the long note; CC-2 unchanged; CC-3 withdrawn, so counted unchanged and left as it was.
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 2)
    withdrawn.refresh_from_db()
    assert withdrawn.is_withdrawn and withdrawn.summary == "Sent the new tariff"
    assert Interaction.objects.get(external_ref="CC-1").summary == long_note
    assert Interaction.objects.counting().count() == 2
    # The feed's update is in the record's history, after its creation, by the feed's user.
    updated = Interaction.objects.get(external_ref="CC-1")
    assert [h.history_type for h in updated.history.order_by("history_id")] == ["+", "~"]
    assert updated.history.latest().history_user == updated.recorded_by


BAD = (
    "CC-4,NOPE-404,,call,2026-02-10,Unknown client\n"  # line 5
    "CC-5,ACME-001,,fax,2026-02-10,Unknown kind\n"  # line 6
    "CC-6,ACME-001,,call,01/02/2026,Ambiguous date\n"  # line 7
    "CC-7,ACME-001,E100,call,2026-05-01,E100 no longer served ACME in May\n"  # line 8
    "CC-1,BETA-002,,call,2026-06-02,The id of line 2 again\n"  # line 9
    f"CC-8,BETA-002,,call,2026-06-02,{'x' * 10001}\n"  # line 10: over the summary's 10,000 characters
    ",BETA-002,,call,2026-06-02,No id\n"  # line 11
)


def test_all_or_nothing_reports_every_refused_row_with_its_line_and_writes_nothing(people, worker) -> None:
    run = worker(_hr(), HEADER + GOOD + BAD)

    assert (run["state"], run["rows"], run["rows_total"], run["refused_count"], run["created"]) == (
        "refused",
        10,
        10,
        7,
        0,
    )
    errors = {row["line"]: row["errors"] for row in run["refusals"]}
    assert list(errors) == [5, 6, 7, 8, 9, 10, 11]
    assert errors[5] == {"client_code": ["No client has the registration code “NOPE-404”."]}
    assert "'fax' is not a valid choice" in errors[6]["kind"][0]
    assert "ambiguous" in errors[7]["date"][0]
    assert errors[8] == {"manager": ["E100 was not the account manager of ACME-001 on 2026-05-01."]}
    assert errors[9] == {"external_id": ["This id is already in the feed, on an earlier line."]}
    assert "at most 10000 characters" in errors[10]["summary"][0]
    assert list(errors[11]["external_id"])
    assert run["refusals"][0]["key"] == "NOPE-404"
    assert not Interaction.objects.exists()


def test_valid_rows_only_writes_the_good_rows_and_lists_the_refused(people, worker) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    body = HEADER + GOOD + f"CC-9,BETA-002,,call,{tomorrow},Not yet\n"
    run = worker(_hr(), body, all_or_nothing="false")
    assert (run["state"], run["created"], run["refused_count"]) == ("succeeded", 3, 1)
    assert run["refusals"] == [
        {"line": 5, "key": "BETA-002", "errors": {"date": ["An interaction cannot be recorded before it happens."]}}
    ]
    assert set(_recorded()) == {"CC-1", "CC-2", "CC-3"}


def test_a_json_feed_goes_through_the_same_job(
    people, monkeypatch, django_capture_on_commit_callbacks, settings
) -> None:
    rows = [{"external_id": "J-1", "client_code": "BETA-002", "kind": "call", "date": "2026-06-03", "summary": "Hi"}]
    http = _hr()
    with django_capture_on_commit_callbacks(execute=False):
        response = _post_json(http, rows)
    assert response.status_code == 202
    assert (response.json()["state"], response.json()["rows_total"]) == ("queued", 1)
    assert not Interaction.objects.exists()  # nothing is written in the request

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_json(http, rows)
    assert http.get(response["Location"]).json()["state"] == "succeeded"
    assert _recorded() == {"J-1": ("BETA-002", "E200", "call", dt.date(2026, 6, 3))}


def test_a_service_account_feeds_with_the_permissions_hr_gave_it_and_a_manager_cannot(people, worker) -> None:
    feed_user = UserFactory(username="call-centre")
    token = ApiTokenFactory(user=feed_user, service_account=True)
    assert _post_csv(HttpClient(), HEADER + GOOD, **auth_header(token)).status_code == 403
    feed_user.user_permissions.add(*Permission.objects.filter(codename__in=["add_interaction", "change_interaction"]))
    assert worker(HttpClient(), HEADER + GOOD, **auth_header(token))["state"] == "succeeded"
    assert set(Interaction.objects.values_list("recorded_by__username", flat=True)) == {"call-centre"}

    manager = AccountManagerFactory(user=UserFactory(role=Role.ACCOUNT_MANAGER))
    http = HttpClient()
    http.force_login(manager.user)
    assert _post_csv(http, HEADER + "CC-X,BETA-002,,call,2026-06-03,Hi\n").status_code == 403
    assert not Interaction.objects.filter(external_ref="CC-X").exists()


def test_the_command_loads_a_file_twice_without_recording_anything_twice(people, tmp_path: Path, capsys) -> None:
    UserFactory(username="call-centre")
    good = tmp_path / "interactions.csv"
    good.write_text(HEADER + GOOD, encoding="utf-8")
    call_command("import_interactions", str(good), "--user", "call-centre")
    call_command("import_interactions", str(good), "--user", "call-centre")
    out = capsys.readouterr().out
    assert "3 rows: 3 created, 0 updated, 0 unchanged, 0 refused." in out
    assert "3 rows: 0 created, 0 updated, 3 unchanged, 0 refused." in out
    assert Interaction.objects.count() == 3

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "CC-4,NOPE-404,,call,2026-02-10,Unknown client\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_interactions", str(bad), "--user", "call-centre")
    assert "line 2 (CC-4 NOPE-404): client_code: No client has the registration code" in capsys.readouterr().err
    assert list(FeedRun.objects.order_by("pk").values_list("source", "state", "rows_total")) == [
        ("command", "succeeded", 3),
        ("command", "succeeded", 3),
        ("command", "refused", 1),
    ]


def test_the_service_reads_in_batches_and_refuses_a_repeated_id_across_them(people, monkeypatch) -> None:
    monkeypatch.setattr("clients.feeds.BATCH_SIZE", 2)
    rows = [
        {"external_id": f"B-{n % 3}", "client_code": "BETA-002", "kind": "call", "date": "2026-06-03", "summary": "s"}
        for n in range(5)
    ]
    result = interactions_feed(rows=rows, recorded_by=hr_user(), all_or_nothing=False)
    # Ids B-0, B-1, B-2, B-0, B-1: the last two repeat earlier ones, in the next batches.
    assert (result.created, result.refused_count, [r.line for r in result.refused]) == (3, 2, [4, 5])


def test_hr_reads_every_feed_run_in_the_api_and_a_manager_only_their_own(people, worker) -> None:
    hr = _hr()
    worker(hr, HEADER + GOOD)
    worker(hr, HEADER + "CC-4,NOPE-404,,call,2026-02-10,Unknown client\n")
    runs = hr.get(reverse("api:feed-run-list")).json()["results"]
    assert [(r["kind"], r["state"], r["refused_count"]) for r in runs] == [
        ("interactions", "refused", 1),
        ("interactions", "succeeded", 0),
    ]
    assert runs[0]["refusals"][0]["line"] == 2

    manager = AccountManagerFactory(user=UserFactory(role=Role.ACCOUNT_MANAGER))
    http = HttpClient()
    http.force_login(manager.user)
    assert http.get(reverse("api:feed-run-list")).json()["results"] == []
    assert http.get(reverse("api:feed-run-detail", args=[runs[0]["id"]])).status_code == 404


def test_the_admin_shows_feed_runs_read_only_in_a_fixed_number_of_queries(people, worker) -> None:
    hr = _hr()
    worker(hr, HEADER + "CC-4,NOPE-404,,call,2026-02-10,Unknown client\n")
    url = reverse("admin:clients_feedrun_changelist")
    with CaptureQueriesContext(connection) as one:
        assert hr.get(url).status_code == 200
    for n in range(4):
        worker(hr, HEADER + f"CC-{n},BETA-002,,call,2026-06-03,Hi\n")
    with CaptureQueriesContext(connection) as five:
        assert hr.get(url).status_code == 200
    assert len(five) == len(one)

    run = FeedRun.objects.filter(state="refused").get()
    page = hr.get(reverse("admin:clients_feedrun_change", args=[run.pk])).content.decode()
    assert "NOPE-404" in page and "No client has the registration code" in page
    assert hr.get(reverse("admin:clients_feedrun_add")).status_code == 403
    assert hr.post(reverse("admin:clients_feedrun_delete", args=[run.pk]), {"post": "yes"}).status_code == 403


def test_cells_the_database_cannot_hold_are_refused_rows_not_errors(
    people, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    rows = [
        {"external_id": "N-1", "client_code": "BETA\x00", "kind": "call", "date": "2026-06-03", "summary": "s"},
        {"external_id": "N-2", "client_code": "BETA-002", "kind": "call", "date": "2026-06-03", "summary": "a\x00b"},
        {"external_id": "N-3", "client_code": "BETA-002", "kind": "call", "date": "9999-12-31T23:00:00-12:00"},
        {"external_id": {"a": 1}, "client_code": ["x"], "kind": 5, "date": 20260603, "summary": None},
    ]
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    http = _hr()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_json(http, rows)
    assert response.status_code == 202
    run = http.get(response["Location"]).json()
    assert run["state"] == "refused"
    errors = {row["line"]: row["errors"] for row in run["refusals"]}
    assert errors[1]["client_code"] == ["This cell holds a character that is not text."]
    assert errors[2]["summary"] == ["This cell holds a character that is not text."]
    assert "date" in errors[3] and {"kind", "date", "summary"} <= set(errors[4])
    assert not Interaction.objects.exists()
