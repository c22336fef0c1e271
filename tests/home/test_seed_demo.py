import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from appraisals.models import Appeal, AppraisalCycle, AppraisalVersion, Recommendation, SurveyInvitation
from core.demo import DEMO_ACCOUNTS
from core.roles import role_of
from incentives.models import PayStatement

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"auth", "core", "managers", "clients", "appraisals", "incentives"}
    }


def test_seed_demo_twice_duplicates_nothing() -> None:
    call_command("seed_demo", "--seed", "7", stdout=StringIO())
    _demo_shows_the_year_rules()
    first = _row_counts()
    call_command("seed_demo", "--seed", "7", stdout=StringIO())
    assert _row_counts() == first
    assert first["auth.User"] >= len(DEMO_ACCOUNTS)


def _demo_shows_the_year_rules() -> None:
    # A manager hired mid-year: a statement from the month of hire, its base prorated to the days employed.
    hired = PayStatement.objects.filter(
        kind="regular", manager__hire_date__gt=dt.date(2026, 1, 1), manager__hire_date__day__gt=1
    ).filter(period__start__year=2026, manager__hire_date__month=models.F("period__start__month"))
    assert hired.exists()
    for statement in hired:
        assert 0 < statement.base_salary < statement.grade.base_salary
    # A decided appeal with both versions.
    upheld = Appeal.objects.get(state=Appeal.State.UPHELD)
    assert AppraisalVersion.objects.filter(appraisal=upheld.appraisal).exists()
    # A promotion approved over a failed qualification check (任职条件), with HR's written reason, paid from then on.
    promotion = Recommendation.objects.get(kind=Recommendation.Kind.PROMOTION, state=Recommendation.State.APPROVED)
    assert promotion.qualification_failures and promotion.qualification_override
    assert promotion.grade_change.effective_date == dt.date(2026, 8, 1)
    august = PayStatement.objects.get(kind="regular", manager=promotion.manager, period__code="2026-08")
    assert august.grade.code == "first"


def test_every_demo_account_logs_in_with_the_readme_password_in_its_role(client) -> None:
    call_command("seed_demo", stdout=StringIO())
    for account in DEMO_ACCOUNTS:
        response = client.post(reverse("login"), {"username": account.username, "password": account.password})
        assert response.status_code == 302, account.username
        assert role_of(response.wsgi_request.user) == account.role
        client.logout()


@pytest.mark.django_db(transaction=True)
def test_seed_demo_prints_a_summary_and_writes_its_mail_to_files(settings, tmp_path) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # what bin/demo runs with
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    assert len(printed.splitlines()) < 30
    assert "Subject:" not in printed
    for account in DEMO_ACCOUNTS:
        assert f"{account.username} " in printed and account.password in printed
    mailed = "".join(path.read_text() for path in (tmp_path / "mail").iterdir())
    open_links = SurveyInvitation.objects.exclude(rating__appraisal__cycle__state=AppraisalCycle.State.CLOSED)
    assert open_links.filter(sent_at__isnull=False).count() == mailed.count("Subject: ") > 0
    assert f"e-mails: {mailed.count('Subject: ')} survey links written to" in printed
    # The closed cycle's links would answer 410: none was sent.
    closed_links = SurveyInvitation.objects.filter(rating__appraisal__cycle__state=AppraisalCycle.State.CLOSED)
    assert closed_links.exists() and not closed_links.filter(sent_at__isnull=False).exists()
    # A rating the demo answered has a used link: it is neither mailed nor shows a live form.
    answered = SurveyInvitation.objects.filter(rating__submitted_at__isnull=False)
    assert answered.exclude(rating__appraisal__cycle__state=AppraisalCycle.State.CLOSED).exists()
    assert not answered.filter(sent_at__isnull=False).exists()
    assert not answered.filter(used_at__isnull=True).exists()
