"""core.form_html: crispy-forms' HTML, remembered per process, must be exactly what crispy-forms renders.

Every expectation below is crispy-forms' own output for a fresh, identical form (never HTML written here): users must
see no difference but speed, whatever was stored before — other values, choices, errors or languages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping

import pytest
from crispy_forms.layout import Layout
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from crispy_forms.utils import render_crispy_form
from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.forms.boundfield import BoundField
from django.template import Context, RequestContext, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import override

from appraisals.filtersets import CycleResultsFilterSet
from appraisals.models import Appraisal
from clients.filtersets import ClientFilterSet
from clients.forms import FeedbackForm, InteractionForm, ReportForm, ServiceForm
from clients.models import Client
from core import form_html
from core.choices import ClientTier
from managers.models import AccountManager, Department, Grade
from tests.clients.factories import AssignmentFactory, ClientFactory
from tests.managers.factories import AccountManagerFactory, DepartmentFactory

LANGUAGES = ("en", "zh-hans")
INDUSTRIES = ["Logistics", "Steel"]
# Some of each kind of filter, and a search text that must come back escaped.
FILTER_DATA = {
    "q": '<b>"Steel" & Sons</b>',
    "tier": ClientTier.KEY,
    "status": Client.Status.ACTIVE,
    "industry": "Steel",
    "not_contacted": "90",
    "ordering": "-volume",
}
SERVICE_FORMS: tuple[type[ServiceForm], ...] = (InteractionForm, FeedbackForm, ReportForm)
VALID_INTERACTION = {
    "interaction-kind": "visit",
    "interaction-date": "2026-10-15",
    "interaction-summary": "Quarterly review visit",
}


@pytest.fixture(autouse=True)
def _empty_store() -> Iterator[None]:
    """Each test starts, and leaves, with nothing remembered."""
    form_html.forget_all()
    yield
    form_html.forget_all()


def client_filter_form(data: Mapping[str, str] | None = None, industries: list[str] = INDUSTRIES) -> forms.Form:
    """The "My clients" filter form, as the list view builds it."""
    return ClientFilterSet(data, industries=industries).form


def cycle_filter_field(name: str, data: Mapping[str, str] | None = None) -> BoundField:
    """A field of the cycle results filter, as the results view builds it (always bound to the query string)."""
    return CycleResultsFilterSet(data or {}, queryset=Appraisal.objects.none()).form[name]


def option_values(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', html)


def selected_values(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"[^>]*\sselected[\s>]', html)


def without_csrf_token(html: str) -> str:
    return re.sub(r'csrfmiddlewaretoken" value="[^"]*"', 'csrfmiddlewaretoken" value=""', html)


def filter_fields_html(render: Callable[[BoundField], str], data: Mapping[str, str] | None) -> dict[str, str]:
    """Each field of a fresh filter form, rendered by `render`."""
    return {name: render(client_filter_form(data)[name]) for name in client_filter_form().fields}


def service_error_form(error: ValidationError) -> InteractionForm:
    """A valid interaction form to which a service then objected."""
    form = InteractionForm(VALID_INTERACTION)
    assert form.is_valid()
    form.add_service_error(error)
    return form


# --- the same HTML as crispy-forms ----------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [{}, FILTER_DATA], ids=["no-filter", "filtered"])
def test_filter_fields_are_crispys_own_html_in_english_and_chinese(data: Mapping[str, str] | None) -> None:
    """Each filter field, stored then served from the store, is what as_crispy_field renders, in either language."""
    pages = {}
    for language in LANGUAGES:
        with override(language):
            expected = filter_fields_html(as_crispy_field, data)
            assert filter_fields_html(form_html.crispy_field_html, data) == expected  # rendered and stored
            assert filter_fields_html(form_html.crispy_field_html, data) == expected  # from the store
        pages[language] = expected
    assert pages["zh-hans"] != pages["en"]
    with override("zh-hans"):
        chinese_label = str(client_filter_form()["tier"].label)
    assert chinese_label != str(client_filter_form()["tier"].label)
    assert escape(chinese_label) in pages["zh-hans"]["tier"]


@pytest.mark.parametrize("form_class", SERVICE_FORMS)
def test_client_page_forms_are_crispys_own_html_in_english_and_chinese(form_class: type[ServiceForm]) -> None:
    """Each of the client page's forms, stored then served from the store, is what render_crispy_form renders."""
    pages = {}
    for language in LANGUAGES:
        with override(language):
            expected = render_crispy_form(form_class())
            assert form_html.crispy_form_html(form_class()) == expected
            assert form_html.crispy_form_html(form_class()) == expected
        pages[language] = expected
    assert pages["zh-hans"] != pages["en"]
    with override("zh-hans"):
        chinese_label = str(next(iter(form_class())).label)
    assert escape(chinese_label) in pages["zh-hans"]
    assert escape(chinese_label) not in pages["en"]


# --- remembered ---------------------------------------------------------------------------------------------------


@pytest.fixture
def no_rendering(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to make any further crispy rendering through core.form_html fail the test."""

    def not_again(*args: object, **kwargs: object) -> str:
        raise AssertionError("rendered again although remembered")

    def forbid() -> None:
        monkeypatch.setattr(form_html, "as_crispy_field", not_again)
        monkeypatch.setattr(form_html, "render_crispy_form", not_again)

    return forbid


@pytest.mark.parametrize("data", [{}, FILTER_DATA], ids=["no-filter", "filtered"])
def test_a_filter_fields_second_render_comes_from_the_store(
    data: Mapping[str, str] | None, no_rendering: Callable[[], None]
) -> None:
    """After one render of each filter field, another request's form gets the same HTML without crispy rendering."""
    first = filter_fields_html(form_html.crispy_field_html, data)
    assert len(form_html._html) == len(first)
    stored = dict(form_html._html)
    no_rendering()
    assert filter_fields_html(form_html.crispy_field_html, data) == first
    assert form_html._html == stored


@pytest.mark.parametrize("form_class", SERVICE_FORMS)
def test_a_forms_second_render_comes_from_the_store(
    form_class: type[ServiceForm], no_rendering: Callable[[], None]
) -> None:
    """After one render of a client page form, another request's form gets the same HTML without crispy rendering."""
    first = form_html.crispy_form_html(form_class())
    assert len(form_html._html) == 1
    stored = dict(form_html._html)
    no_rendering()
    assert form_html.crispy_form_html(form_class()) == first
    assert form_html._html == stored


def test_the_store_does_not_grow_with_the_number_of_requests() -> None:
    """Fifty requests of the same filter page store each field once, not once a request."""
    for _ in range(50):
        filter_fields_html(form_html.crispy_field_html, FILTER_DATA)
    assert len(form_html._html) == len(client_filter_form().fields)


def test_rendering_through_the_template_tags_uses_the_store() -> None:
    """The templates' filter and tag render what the module stores."""
    template = Template("{% load form_html %}{{ form.tier|crispy_field }}|{% crispy_form report %}")
    html = template.render(Context({"form": client_filter_form(FILTER_DATA), "report": ReportForm()}))
    field_html, report_html = html.split("|")
    assert field_html == as_crispy_field(client_filter_form(FILTER_DATA)["tier"])
    assert report_html == render_crispy_form(ReportForm())
    assert sorted(form_html._html.values()) == sorted([field_html, report_html])


# --- nothing stale ------------------------------------------------------------------------------------------------


def test_the_selected_option_follows_the_value() -> None:
    """A filter on core clients, then on key clients: the second page shows "key" selected, not "core"."""
    core = form_html.crispy_field_html(client_filter_form({"tier": ClientTier.CORE})["tier"])
    key = form_html.crispy_field_html(client_filter_form({"tier": ClientTier.KEY})["tier"])
    assert selected_values(core) == [ClientTier.CORE]
    assert selected_values(key) == [ClientTier.KEY]
    assert key == as_crispy_field(client_filter_form({"tier": ClientTier.KEY})["tier"])


def test_a_new_industry_appears_in_the_filter() -> None:
    """The manager gets a client of a new industry: the industry filter offers it on the next page."""
    before = form_html.crispy_field_html(client_filter_form(industries=["Aviation", "Banking"])["industry"])
    after = form_html.crispy_field_html(client_filter_form(industries=["Aviation", "Banking", "Chemicals"])["industry"])
    assert option_values(before) == ["", "Aviation", "Banking"]
    assert option_values(after) == ["", "Aviation", "Banking", "Chemicals"]
    assert after == as_crispy_field(client_filter_form(industries=["Aviation", "Banking", "Chemicals"])["industry"])


def test_an_invalid_form_shows_its_errors_and_a_blank_one_does_not() -> None:
    """A blank form is stored first; the same form sent without a summary still shows "required" next to it."""
    blank = form_html.crispy_form_html(InteractionForm())
    data = {key: value for key, value in VALID_INTERACTION.items() if key != "interaction-summary"}
    invalid = InteractionForm(data)
    message = escape(invalid.errors["summary"][0])
    html = form_html.crispy_form_html(invalid)
    assert message in html
    assert message not in blank
    assert html == render_crispy_form(InteractionForm(data))
    assert form_html.crispy_form_html(InteractionForm()) == blank  # and the blank form stays blank


@pytest.mark.parametrize(
    "error",
    [
        ValidationError({"summary": "The client's file is closed: no interaction can be logged."}),
        ValidationError("The client's file is closed: no interaction can be logged."),
    ],
    ids=["on-a-field", "above-the-form"],
)
def test_a_service_error_added_after_validation_is_shown(error: ValidationError) -> None:
    """The same valid data, stored without errors, then refused by a service: the refusal is shown."""
    valid = InteractionForm(VALID_INTERACTION)
    assert valid.is_valid()
    accepted = form_html.crispy_form_html(valid)
    refused = form_html.crispy_form_html(service_error_form(error))
    message = escape(error.messages[0])
    assert message in refused
    assert message not in accepted
    assert refused == render_crispy_form(service_error_form(error))


def test_another_language_gets_its_own_html_after_english_was_stored() -> None:
    """An English page stored first does not leak into a Chinese page, for a field or a form."""
    english_field = form_html.crispy_field_html(client_filter_form(FILTER_DATA)["status"])
    english_form = form_html.crispy_form_html(FeedbackForm())
    with override("zh-hans"):
        chinese_field = form_html.crispy_field_html(client_filter_form(FILTER_DATA)["status"])
        chinese_form = form_html.crispy_form_html(FeedbackForm())
        assert chinese_field == as_crispy_field(client_filter_form(FILTER_DATA)["status"])
        assert chinese_form == render_crispy_form(FeedbackForm())
    assert chinese_field != english_field
    assert chinese_form != english_form
    assert form_html.crispy_field_html(client_filter_form(FILTER_DATA)["status"]) == english_field


class ProbeForm(ServiceForm):
    """A small form whose fields a view might adjust per instance, to probe what the key must hold."""

    prefix = "probe"

    due = forms.DateField(label="Due", initial=dt.date(2026, 10, 15))  # the default DateInput: a localized value
    note = forms.CharField(label="Note", required=False)


def _set_label(form: ProbeForm) -> None:
    form.fields["note"].label = "Remark for the head of department"


def _set_help_text(form: ProbeForm) -> None:
    form.fields["note"].help_text = "Seen by the client"


def _set_required(form: ProbeForm) -> None:
    form.fields["note"].required = True


def _set_disabled(form: ProbeForm) -> None:
    form.fields["note"].disabled = True


def _set_placeholder(form: ProbeForm) -> None:
    form.fields["note"].widget.attrs["placeholder"] = "What was agreed"


def _set_textarea(form: ProbeForm) -> None:
    form.fields["note"].widget = forms.Textarea()


def _set_initial(form: ProbeForm) -> None:
    form.initial["note"] = "Call back in May"


def _hide_labels(form: ProbeForm) -> None:
    form.helper.form_show_labels = False


@pytest.mark.parametrize(
    "adjust",
    [
        _set_label,
        _set_help_text,
        _set_required,
        _set_disabled,
        _set_placeholder,
        _set_textarea,
        _set_initial,
        _hide_labels,
    ],
)
def test_a_field_adjusted_by_a_view_is_not_served_the_unadjusted_html(adjust: Callable[[ProbeForm], None]) -> None:
    """A form stored as declared, then the same form adjusted for one page: that page shows the adjustment."""

    def adjusted() -> ProbeForm:
        form = ProbeForm()
        adjust(form)
        return form

    plain_form = form_html.crispy_form_html(ProbeForm())
    plain_field = form_html.crispy_field_html(ProbeForm()["note"])
    assert form_html.crispy_form_html(adjusted()) == render_crispy_form(adjusted())
    assert form_html.crispy_field_html(adjusted()["note"]) == as_crispy_field(adjusted()["note"])
    assert form_html.crispy_form_html(adjusted()) != plain_form
    assert form_html.crispy_field_html(adjusted()["note"]) != plain_field


def test_a_value_formatted_by_the_language_follows_the_language() -> None:
    """A date shown in the language's own format, under a label that no catalogue translates."""
    english = form_html.crispy_field_html(ProbeForm()["due"])
    with override("zh-hans"):
        chinese = form_html.crispy_field_html(ProbeForm()["due"])
        assert chinese == as_crispy_field(ProbeForm()["due"])
    assert chinese != english


# --- model choices ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_department_created_after_a_render_is_offered() -> None:
    """HR opens the results, a department is created, HR reloads: the department filter lists it."""
    DepartmentFactory(name="Audit")
    before = form_html.crispy_field_html(cycle_filter_field("department"))
    zhuhai = DepartmentFactory(name="Zhuhai branch")
    after = form_html.crispy_field_html(cycle_filter_field("department"))
    assert str(zhuhai.pk) not in option_values(before)
    assert str(zhuhai.pk) in option_values(after)
    assert after == as_crispy_field(cycle_filter_field("department"))


@pytest.mark.django_db
def test_a_renamed_department_is_shown_by_its_new_name() -> None:
    """Same choices' values, new label: the label shown is the new one."""
    department = DepartmentFactory(name="Audit")
    form_html.crispy_field_html(cycle_filter_field("department"))
    Department.objects.filter(pk=department.pk).update(name="Internal audit")
    after = form_html.crispy_field_html(cycle_filter_field("department"))
    assert "Internal audit" in after
    assert after == as_crispy_field(cycle_filter_field("department"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["grade", "department"])
@pytest.mark.parametrize("selected", [False, True], ids=["none-selected", "one-selected"])
def test_a_model_choice_field_does_the_same_queries_cold_and_warm(name: str, selected: bool) -> None:
    """Remembering must not add queries (a COUNT, a second read of the choices) nor lose the choices' own."""
    DepartmentFactory(name="Audit")
    DepartmentFactory(name="Sales")
    model = Grade if name == "grade" else Department
    data = {name: str(model.objects.order_by("pk").last().pk)} if selected else {}

    plain_field = cycle_filter_field(name, data)
    with CaptureQueriesContext(connection) as plain:
        expected = as_crispy_field(plain_field)
    cold_field = cycle_filter_field(name, data)
    with CaptureQueriesContext(connection) as cold:
        cold_html = form_html.crispy_field_html(cold_field)
    assert form_html._html
    warm_field = cycle_filter_field(name, data)
    with CaptureQueriesContext(connection) as warm:
        warm_html = form_html.crispy_field_html(warm_field)

    assert cold_html == warm_html == expected
    assert selected_values(expected) == [data.get(name, "")]
    assert len(plain) >= 1  # the choices are read from the database
    assert len(cold) == len(plain)
    assert len(warm) == len(cold)


# --- the pages ----------------------------------------------------------------------------------------------------


@pytest.fixture
def manager() -> AccountManager:
    """An account manager with clients of three industries and tiers."""
    manager = AccountManagerFactory(grade="senior")
    for industry, tier in [("Steel", ClientTier.CORE), ("Logistics", ClientTier.KEY), ("Food", ClientTier.ORDINARY)]:
        AssignmentFactory(manager=manager, client=ClientFactory(industry=industry, tier=tier))
    return manager


def get_twice(client, url: str, query: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The page on a cold then a warm store; the second must do the same number of queries."""
    with CaptureQueriesContext(connection) as cold:
        first = client.get(url, query or {})
    assert first.status_code == 200
    assert form_html._html
    with CaptureQueriesContext(connection) as warm:
        second = client.get(url, query or {})
    assert second.status_code == 200
    assert len(warm) == len(cold)
    return first.text, second.text


def post_forms_and_tokens(html: str) -> tuple[int, int]:
    return (
        len(re.findall(r'<form\b[^>]*\bmethod="post"', html, re.IGNORECASE)),
        len(re.findall(r'name="csrfmiddlewaretoken"', html)),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{}, {"tier": ClientTier.KEY, "industry": "Logistics", "ordering": "name"}])
def test_the_client_list_is_the_same_page_the_second_time(client, manager: AccountManager, query) -> None:
    """My clients, opened twice: the same HTML (but the CSRF token), in the same number of queries. Its filters are
    crispy-forms' own |as_crispy_field, so nothing is remembered between the two."""
    client.force_login(manager.user)
    with CaptureQueriesContext(connection) as cold:
        first = client.get(reverse("clients:list"), query).text
    with CaptureQueriesContext(connection) as warm:
        second = client.get(reverse("clients:list"), query).text
    assert len(warm) == len(cold)
    assert without_csrf_token(second) == without_csrf_token(first)
    for value in ("Steel", "Logistics", "Food"):
        assert f'<option value="{value}"' in second
    forms_count, tokens = post_forms_and_tokens(second)
    assert tokens == forms_count


@pytest.mark.django_db
def test_the_client_page_is_the_same_page_the_second_time_with_one_token_per_form(
    client, manager: AccountManager
) -> None:
    """The client page, opened twice: the same HTML (but the CSRF token), the same queries, one token per form."""
    client.force_login(manager.user)
    row = manager.assignments.first().client
    first, second = get_twice(client, reverse("clients:detail", args=[row.pk]))
    assert without_csrf_token(second) == without_csrf_token(first)
    for html in (first, second):
        forms_count, tokens = post_forms_and_tokens(html)
        assert forms_count >= 3 + 1  # the three forms of the page and the log-out form at least
        assert tokens == forms_count
    for form_class in SERVICE_FORMS:
        assert render_crispy_form(form_class()) in second
    assert not [html for html in form_html._html.values() if "csrfmiddlewaretoken" in html]


@pytest.mark.django_db
def test_a_refused_post_shows_its_errors_and_the_next_page_does_not(client, manager: AccountManager) -> None:
    """An interaction sent without a summary shows the error; the page opened afterwards shows a blank form."""
    client.force_login(manager.user)
    row = manager.assignments.first().client
    blank = client.get(reverse("clients:detail", args=[row.pk])).text
    data = {key: value for key, value in VALID_INTERACTION.items() if key != "interaction-summary"}
    refused = client.post(reverse("clients:interaction_create", args=[row.pk]), data)
    message = escape(InteractionForm(data).errors["summary"][0])
    assert message in refused.text
    assert message not in blank
    again = client.get(reverse("clients:detail", args=[row.pk])).text
    assert message not in again
    assert without_csrf_token(again) == without_csrf_token(blank)


@pytest.mark.django_db
def test_the_client_page_in_chinese_after_english(client, manager: AccountManager) -> None:
    """An English visit stores the forms; a Chinese visit then gets the Chinese forms."""
    client.force_login(manager.user)
    url = reverse("clients:detail", args=[manager.assignments.first().client.pk])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").text
    for form_class in SERVICE_FORMS:
        with override("zh-hans"):
            assert render_crispy_form(form_class()) in chinese
        with override("en"):  # the request left Chinese active in this thread
            assert render_crispy_form(form_class()) in english
            assert render_crispy_form(form_class()) not in chinese


# --- refusal and size ---------------------------------------------------------------------------------------------


def test_a_form_rendering_its_own_form_tag_is_refused() -> None:
    """Its <form> tag would carry one request's CSRF token into everyone's page."""
    form = ReportForm()
    form.helper.form_tag = True
    with pytest.raises(ImproperlyConfigured):
        form_html.crispy_form_html(form)
    assert not form_html._html


def test_a_form_with_a_layout_is_refused() -> None:
    """A layout is not part of the key: two layouts of one form would share their HTML."""
    form = InteractionForm()
    form.helper.layout = Layout("summary")
    with pytest.raises(ImproperlyConfigured):
        form_html.crispy_form_html(form)
    assert not form_html._html


def test_a_form_without_a_helper_is_refused() -> None:
    """Without a helper crispy renders its own <form> tag."""
    form = InteractionForm()
    del form.helper
    with pytest.raises(ImproperlyConfigured):
        form_html.crispy_form_html(form)


def test_the_store_never_holds_more_than_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Five distinct fields in a store of three: never more than three entries, and each HTML still right."""
    monkeypatch.setattr(form_html, "MAX_ENTRIES", 3)
    names = list(client_filter_form().fields)[:5]
    assert len(names) == 5
    for _ in range(2):
        for name in names:
            html = form_html.crispy_field_html(client_filter_form(FILTER_DATA)[name])
            assert len(form_html._html) <= 3
            assert html == as_crispy_field(client_filter_form(FILTER_DATA)[name])
    assert len(form_html._html) >= 1


def test_a_form_whose_helper_renders_a_csrf_token_is_refused() -> None:
    """crispy-forms renders {% csrf_token %} for a POST form even without its <form> tag."""
    form = ReportForm()
    form.helper.disable_csrf = False
    with pytest.raises(ImproperlyConfigured):
        form_html.crispy_form_html(form)
    assert not form_html._html


def test_no_csrf_token_is_stored_when_the_tag_renders_in_a_request(rf) -> None:
    """Rendered through the template tag in a request that has a CSRF token, the stored HTML has none."""
    request = rf.get("/")
    template = Template("{% load form_html %}{% csrf_token %}{% crispy_form form %}")
    html = template.render(RequestContext(request, {"form": ReportForm()}))
    assert html.count("csrfmiddlewaretoken") == 1  # the template's own
    assert form_html._html
    assert not any("csrfmiddlewaretoken" in stored for stored in form_html._html.values())


def test_a_form_with_errors_is_shown_but_not_stored() -> None:
    """What a user typed into a refused form is shown to them once and kept nowhere."""
    form = ReportForm({"report-kind": "visit", "report-title": "Secret merger plans", "report-body": ""})
    assert not form.is_valid()
    html = form_html.crispy_form_html(form)
    assert "Secret merger plans" in html
    assert not form_html._html


def test_a_long_value_is_shown_but_not_stored() -> None:
    search = "x" * (form_html.MAX_VALUE + 1)
    form = client_filter_form({"q": search})
    html = form_html.crispy_field_html(form["q"])
    assert search in html
    assert not form_html._html


def test_html_over_the_cap_is_shown_but_not_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(form_html, "MAX_HTML", 100)
    html = form_html.crispy_form_html(ReportForm())
    assert len(html) > 100
    assert not form_html._html
