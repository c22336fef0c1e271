"""Rendered form HTML remembered per process, under a key made of everything that HTML depends on.

crispy-forms renders each field through several templates, and Django renders each <option> of a select through a
template of its own: that is most of the Python time of a page with forms (about 9 ms for the client list's filter,
25 ms for the client page's three forms). The HTML of a field is a pure function of the form's class,
the language, the field's name, label, help text and flags, its widget's attributes and choices, the value shown and
the errors. This module computes that key (cheap) and renders only when it has not seen the key in this process.

Safe by construction: nothing is invalidated because nothing goes stale. A new value, new choices (a ModelChoice
queryset is read for the key on every request), another language or an error is another key. Per-request data never
enters the stored HTML:
- no CSRF token: crispy-forms renders {% csrf_token %} for a POST form even without its <form> tag, so a whole form
  is remembered only if its helper disables that (the template puts the token in its own <form>), and the HTML is
  rendered without the request's context, where there is no token to render anyway;
- no one's typed text: a form with errors (a refused POST, shown once, with what the user typed) is rendered and not
  remembered, and neither is HTML or a value larger than the caps below, so a user cannot fill the store;
- the forms' helpers are set the same way for every instance of their class.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from crispy_forms.utils import render_crispy_form
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# Each entry is one field's or one form's HTML (a few KB); the distinct keys in use are few (forms × languages ×
# choice lists × values typed into filters). When full, the store starts again rather than tracking recency.
MAX_ENTRIES = 1024
MAX_HTML = 32 * 1024  # characters; a field is 1-6 KB, the client page's largest form 4 KB
MAX_VALUE = 256  # characters of a value shown (a search text, a date): longer ones are rendered, not remembered

_html: dict[Hashable, str] = {}


def _remembered(key: Hashable | None, render: Callable[[], str]) -> SafeString:
    html = _html.get(key) if key is not None else None
    if html is None:
        html = str(render())
        if key is not None and len(html) <= MAX_HTML:
            if len(_html) >= MAX_ENTRIES:
                _html.clear()
            _html[key] = html
    return mark_safe(html)  # noqa: S308 - HTML that crispy-forms rendered, escaped there


def _widget_key(widget: forms.Widget) -> tuple:
    choices = getattr(widget, "choices", None)
    if choices is not None:
        # A ModelChoiceIterator queries each time it is iterated: read it once, and let the rendering (on a miss)
        # use the same list, so a page does the same queries whether or not its HTML was remembered.
        # Not list(): it asks the iterator's __len__ first, which for a ModelChoiceIterator is a COUNT query.
        choices = [*iter(choices)]
        widget.choices = choices
        choices = tuple((str(value), str(label)) for value, label in choices)
    return (
        # Not the class itself: django-filter makes a new widget class per request for its CSV fields (ordering).
        type(widget).__module__,
        type(widget).__qualname__,
        getattr(widget, "template_name", None),
        widget.is_localized,
        tuple(sorted((name, str(value)) for name, value in widget.attrs.items())),
        choices,
        getattr(widget, "input_type", None),
        getattr(widget, "format", None),
        getattr(widget, "allow_multiple_selected", None),
        tuple(_widget_key(sub) for sub in getattr(widget, "widgets", ())),
    )


def _form_key(form: forms.BaseForm) -> tuple:
    """What a field's HTML takes from its form. Not the form's class: django-filter makes a new one per request."""
    helper = getattr(form, "helper", None)
    return (
        type(form).__qualname__,
        type(form.renderer),
        form.use_required_attribute,
        form.label_suffix,
        getattr(form, "required_css_class", ""),
        getattr(form, "error_css_class", ""),
        None if helper is None else repr(sorted(helper.get_attributes().items())),
    )


def field_key(bound_field: BoundField) -> tuple:
    """Everything a field's HTML depends on."""
    field, form = bound_field.field, bound_field.form
    return (
        _form_key(form),
        get_language(),
        bound_field.html_name,
        bound_field.auto_id,
        str(bound_field.label),
        str(field.help_text),
        field.required,
        field.disabled,
        field.show_hidden_initial,
        form.is_bound,
        repr(bound_field.value()),
        tuple(str(error) for error in bound_field.errors),
        _widget_key(field.widget),
    )


def _rememberable(form: forms.BaseForm) -> bool:
    """Not a form showing errors (what a user typed into a refused form is shown once), nor one with a long value."""
    if form.is_bound and form.errors:
        return False
    return all(len(repr(bound_field.value())) <= MAX_VALUE for bound_field in form)


def crispy_field_html(bound_field: BoundField) -> SafeString:
    """What `{{ field|as_crispy_field }}` renders."""
    key = ("field", field_key(bound_field)) if _rememberable(bound_field.form) else None
    return _remembered(key, lambda: as_crispy_field(bound_field))


def crispy_form_html(form: forms.BaseForm) -> SafeString:
    """What `{% crispy form %}` renders, for a form whose helper leaves the <form> tag (and the CSRF token in it)
    to the template."""
    helper = getattr(form, "helper", None)
    if helper is None or helper.form_tag or not helper.disable_csrf:
        raise ImproperlyConfigured(
            f"{type(form).__name__}: only a form whose helper has form_tag = False and disable_csrf = True can be "
            "remembered; the template's own <form> carries the CSRF token of its request."
        )
    if helper.layout is not None:
        raise ImproperlyConfigured(f"{type(form).__name__}: a crispy layout is not part of the remembered key.")
    key = None
    if _rememberable(form):
        key = ("form", _form_key(form), get_language(), *(field_key(bound_field) for bound_field in form))
    return _remembered(key, lambda: render_crispy_form(form))


def forget_all() -> None:
    """Empty this process's store (tests)."""
    _html.clear()
