"""`{{ field|crispy_field }}` and `{% crispy_form form %}`: crispy-forms' output, remembered (core.form_html)."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

from core.form_html import crispy_field_html, crispy_form_html

register = template.Library()


@register.filter
def crispy_field(bound_field: BoundField) -> SafeString:
    """Like crispy-forms' `as_crispy_field`."""
    return crispy_field_html(bound_field)


@register.simple_tag
def crispy_form(form: forms.BaseForm) -> SafeString:
    """Like crispy-forms' `{% crispy form %}`, for forms that leave the <form> tag to the template."""
    return crispy_form_html(form)
