"""The admin never answers 5xx, whatever HR types: every registered add and change form, every field, hostile values.

Each form is loaded as a browser would load it (the HTML's inputs, selects and textareas give the values a browser
would post back, inline management forms included); then one field at a time is replaced by hostile values for its
kind (ids that are not numbers or do not fit a bigint, negative and huge numbers, 20,000-character text, dates out
of any plausible range or impossible) while the other fields keep their valid values, so that a value that passes
its field's cleaning reaches the model and the database. The answer must be a page with errors or a redirect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, IntervalSchedule, SolarSchedule
from django_celery_results.models import GroupResult, TaskResult

from core.models import JobRun
from tests.appraisals.factories import MeasuredValueFactory, SpotCheckDrawFactory, SpotCheckFactory
from tests.clients.factories import BusinessRecordFactory, FeedbackFactory
from tests.core.factories import UserFactory
from tests.managers.factories import CertificationFactory, TargetFactory, TrainingRecordFactory
from tests.notifications.factories import ChannelFactory, DeliveryFactory, PreferenceFactory
from tests.security.company import Company, company_build

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
LONG = "x" * 20_000
HOSTILE_IDS = ("abc", "-1", HUGE)
HOSTILE_NUMBERS = ("abc", "-1", "-5000", HUGE)
HOSTILE_DATES = ("1900-01-01", "9999-12-31", "2026-13-45")
HOSTILE_TEXT = (LONG,)


class _FormInputs(HTMLParser):
    """The name/value pairs a browser would submit from the admin's change form (the first <form> with an id
    ending in "_form")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self._in_form = False
        self._done = False
        self._select: tuple[str, bool] | None = None  # name, multiple
        self._select_options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._option_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self._done and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.pairs.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a)
            self._select_options = []
        elif tag == "option" and self._select is not None:
            self._select_options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self._in_form:
            return
        if tag == "form":
            self._in_form, self._done = False, True
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._select_options if selected]
            if not chosen and not multiple and self._select_options:
                chosen = [self._select_options[0][0]]
            self.pairs += [(name, value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            self.pairs.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def _hostile_values(form_field: forms.Field) -> tuple[str, ...]:
    if isinstance(form_field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
        return HOSTILE_IDS
    if isinstance(form_field, forms.IntegerField | forms.DecimalField | forms.FloatField | forms.DurationField):
        return HOSTILE_NUMBERS
    if isinstance(form_field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
        return HOSTILE_DATES
    if isinstance(form_field, forms.BooleanField | forms.FileField):
        return ()
    if isinstance(form_field, forms.ChoiceField | forms.MultipleChoiceField):
        return ("abc", LONG)
    return HOSTILE_TEXT


def _post_names(bound: forms.BoundField) -> list[str]:
    """The names the field's widget posts (a split date-time posts name_0 and name_1)."""
    widget = bound.field.widget
    if isinstance(widget, forms.MultiWidget):
        return [f"{bound.html_name}{suffix}" for suffix in widget.widgets_names]
    return [bound.html_name]


@dataclass
class Sweep:
    posts: int = 0
    forms: int = 0
    fields: int = 0
    failures: list[str] = field(default_factory=list)


class _Rollback(Exception):
    pass


def _request(client: Client, method: str, url: str, data: list[tuple[str, str]] | None = None):  # noqa: ANN202
    """One request whose writes are rolled back, so that every post starts from the same data; an exception the
    view raised is returned, not raised."""
    outcome = {}
    try:
        with transaction.atomic():
            try:
                if method == "get":
                    outcome["response"] = client.get(url)
                else:
                    payload: dict[str, list[str]] = {}
                    for name, value in data or []:
                        payload.setdefault(name, []).append(value)
                    # Followed: a saved hostile value must not break the list it lands on either.
                    outcome["response"] = client.post(url, payload, follow=True)
            except Exception as error:  # noqa: BLE001 - what the test reports
                outcome["error"] = error
            raise _Rollback
    except _Rollback:
        pass
    return outcome.get("response"), outcome.get("error")


def _form_fields(response) -> Iterator[forms.BoundField]:  # noqa: ANN001
    """The editable fields of the page's main form and of each inline's first form."""
    context = response.context
    yield from context["adminform"].form
    for inline in context.get("inline_admin_formsets") or []:
        for form in inline.formset.forms[:1]:
            yield from (bound for bound in form if bound.name not in ("id", "DELETE") and not bound.is_hidden)


def _sweep_form(client: Client, url: str, sweep: Sweep, label: str) -> None:
    response, error = _request(client, "get", url)
    if error is not None or response.status_code >= 500:
        sweep.failures.append(f"GET {label} {url}: {repr(error) if error else response.status_code}")
        return
    if response.status_code != 200 or "adminform" not in (response.context or {}):
        return  # no permission, or a page that is not a form
    parser = _FormInputs()
    parser.feed(response.content.decode())
    baseline = [pair for pair in parser.pairs if "__prefix__" not in pair[0]] + [("_save", "Save")]
    sweep.forms += 1
    for bound in _form_fields(response):
        values = _hostile_values(bound.field)
        if not values:
            continue
        sweep.fields += 1
        names = _post_names(bound)
        for value in values:
            data = [pair for pair in baseline if pair[0] not in names]
            data += [(names[0], value)] + [(name, "00:00:00") for name in names[1:]]
            sweep.posts += 1
            response, error = _request(client, "post", url, data)
            if error is not None:
                sweep.failures.append(f"{label} {bound.name}={value[:24]!r}: {type(error).__name__}: {error}"[:300])
            elif response.status_code >= 500:
                sweep.failures.append(f"{label} {bound.name}={value[:24]!r}: {response.status_code}")


def _every_model_has_a_row(company: Company) -> None:
    """One row of each model the company does not have, so that every change form can be opened."""
    CertificationFactory()
    TrainingRecordFactory()
    TargetFactory()
    FeedbackFactory()
    BusinessRecordFactory()
    MeasuredValueFactory()
    SpotCheckFactory(draw=SpotCheckDrawFactory())
    ChannelFactory()
    PreferenceFactory()
    DeliveryFactory()
    JobRun.objects.create(name="hostile.sample", status="success", started_at=timezone.now())
    TaskResult.objects.create(task_id="hostile-task-1", status="SUCCESS")
    GroupResult.objects.create(group_id="hostile-group-1")
    ClockedSchedule.objects.create(clocked_time=timezone.now() + dt.timedelta(days=1))
    IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    SolarSchedule.objects.create(event="sunrise", latitude=31.23, longitude=121.47)


def _admin_urls(model: type[Model]) -> Iterator[tuple[str, str]]:
    info = (model._meta.app_label, model._meta.model_name)
    yield "add", reverse("admin:{}_{}_add".format(*info))
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        yield "change", reverse("admin:{}_{}_change".format(*info), args=[obj.pk])


@pytest.fixture
def superuser() -> User:
    return UserFactory(username="hostile-root", is_superuser=True, is_staff=True)


ADMINS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", ADMINS, ids=[model._meta.label for model in ADMINS])
def test_hostile_posts_never_answer_5xx(model: type[Model], superuser: User, client: Client) -> None:
    company = company_build()
    _every_model_has_a_row(company)
    client.force_login(superuser)
    sweep = Sweep()
    for kind, url in _admin_urls(model):
        _sweep_form(client, url, sweep, f"{model._meta.label} {kind}")
    print(f"{model._meta.label}: {sweep.forms} forms, {sweep.fields} fields, {sweep.posts} posts")
    assert not sweep.failures, "\n".join(sweep.failures)
