"""get_FOO_display(): every choice field's label is its choice's label, in the reader's language."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.utils.translation import override

from clients.models import Client

CHOICE_FIELDS = [
    pytest.param(model, field, id=f"{model.__name__}.{field.name}")
    for model in apps.get_models()
    if model._meta.app_label in {"managers", "clients", "appraisals", "incentives"}
    and not model.__name__.startswith("Historical")
    for field in model._meta.concrete_fields
    if field.choices and not callable(field.choices)
]


def test_the_choice_fields_are_found() -> None:
    names = {param.values[0].__name__ for param in CHOICE_FIELDS}
    assert {"Client", "Interaction", "Feedback", "Report", "Grade", "Appraisal", "AppraisalCycle"} <= names


@pytest.mark.parametrize(("model", "field"), CHOICE_FIELDS)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_label_is_its_choices_label_in_each_language(
    model: type[models.Model], field: models.Field, language: str
) -> None:
    """Each choice shows its own label, translated now; a value that is not a choice shows as itself."""
    instance = model()
    display = getattr(instance, f"get_{field.name}_display")
    with override(language):
        for value, label in field.flatchoices:
            setattr(instance, field.attname, value)
            assert display() == str(label)
        setattr(instance, field.attname, "not-a-choice")
        assert display() == "not-a-choice"


def test_the_label_follows_the_language() -> None:
    client = Client(tier="core")
    with override("en"):
        english = client.get_tier_display()
    with override("zh-hans"):
        chinese = client.get_tier_display()
    with override("en"):
        again = client.get_tier_display()
    assert english == again == "core client"
    assert chinese != english
    assert isinstance(chinese, str)
