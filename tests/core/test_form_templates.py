"""The project's copies of Django's widget templates and of crispy-bootstrap5's help-and-errors template (written
inline, for fewer template renders per field) give the packages' own markup."""

from __future__ import annotations

import re
from pathlib import Path

import crispy_bootstrap5
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.template import Context, Engine
from django.template.loader import get_template
from django.utils.translation import override

STOCK = DjangoTemplates()  # Django's own widget templates only, not the project's
PROJECT = TemplatesSetting()  # settings.FORM_RENDERER

WIDGETS = [
    pytest.param(forms.Select(choices=[("", "---"), ("a", "Aviation"), (1, "<b>one</b>")]), "a", id="select"),
    pytest.param(
        forms.Select(choices=[("a", "A")], attrs={"class": "form-select", "disabled": True}), None, id="attrs"
    ),
    pytest.param(
        forms.Select(choices=[("Group", [("g1", "one"), ("g2", "two")]), ("x", "X")], attrs={"hidden": False}),
        "g2",
        id="optgroups",
    ),
    pytest.param(forms.SelectMultiple(choices=[(1, "a"), (2, "b"), (3, "c")]), [1, 3], id="multiple"),
    pytest.param(forms.NullBooleanSelect(), True, id="null-boolean"),
    pytest.param(
        forms.TextInput(attrs={"class": "form-control", "required": True, "placeholder": '"q"'}), "x&y", id="text"
    ),
    pytest.param(forms.DateInput(attrs={"type": "date"}), "2026-12-01", id="date"),
    pytest.param(forms.NumberInput(), None, id="number-empty"),
    pytest.param(forms.CheckboxInput(), True, id="checkbox"),
    pytest.param(forms.Textarea(attrs={"rows": 3}), "line one\n<script>", id="textarea"),
    pytest.param(forms.Textarea(), "", id="textarea-empty"),
]


@pytest.mark.parametrize(("widget", "value"), WIDGETS)
def test_a_widget_renders_as_djangos_own_templates_render_it(widget: forms.Widget, value: object) -> None:
    attrs = {"id": "id_field"}
    assert widget.render("field", value, attrs, renderer=PROJECT) == widget.render(
        "field", value, attrs, renderer=STOCK
    )


class ProbeForm(forms.Form):
    tier = forms.ChoiceField(choices=[("core", "core client")], help_text="Which tier <i>now</i>.")
    note = forms.CharField()


def _without_blank_lines(html: str) -> str:
    return re.sub(r"\n\s*\n", "\n", html)


@pytest.mark.parametrize("help_text_inline", [False, True])
@pytest.mark.parametrize("error_text_inline", [False, True])
@pytest.mark.parametrize("bound", [False, True], ids=["blank", "with-errors"])
def test_help_text_and_errors_are_crispys_markup(help_text_inline: bool, error_text_inline: bool, bound: bool) -> None:
    form = ProbeForm({"tier": "nope"} if bound else None)
    package = Engine(dirs=[Path(crispy_bootstrap5.__file__).parent / "templates"])
    name = "bootstrap5/layout/help_text_and_errors.html"
    with override("en"):
        for field in form:
            context = {
                "field": field,
                "form_show_errors": True,
                "help_text_inline": help_text_inline,
                "error_text_inline": error_text_inline,
            }
            ours = get_template(name).render(context)
            theirs = package.get_template(name).render(Context(context))
            assert _without_blank_lines(ours) == _without_blank_lines(theirs)
            assert ("invalid-feedback" in ours) == bound  # each field of the bound form has an error
            # crispy shows no help text when both the help and the errors are inline
            shows_help = field.name == "tier" and not (help_text_inline and error_text_inline)
            assert ("Which tier <i>now</i>." in ours) == shows_help
