"""core.choices.ChoiceLabels: get_FOO_display() gives exactly Django's label, in the active language, faster."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.utils.translation import override

from clients.models import Client
from core.choices import ChoiceLabels

MODELS = [model for model in apps.get_models() if issubclass(model, ChoiceLabels)]
CHOICE_FIELDS = [
    pytest.param(model, field, id=f"{model.__name__}.{field.name}")
    for model in MODELS
    for field in model._meta.concrete_fields
    if field.choices
]


def test_the_hot_models_use_it() -> None:
    names = {model.__name__ for model in MODELS}
    assert {"Client", "Interaction", "Feedback", "Report", "Grade", "Appraisal", "AppraisalCycle"} <= names


@pytest.mark.parametrize(("model", "field"), CHOICE_FIELDS)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_label_is_djangos_in_each_language(model: type[models.Model], field: models.Field, language: str) -> None:
    """For every choice and for a value that is not one, the label is what Django's own implementation gives."""
    instance = model()
    display = getattr(instance, f"get_{field.name}_display")
    with override(language):
        for value, _label in [*field.flatchoices, ("not-a-choice", None)]:
            setattr(instance, field.attname, value)
            assert display() == models.Model._get_FIELD_display(instance, field)


def test_the_label_follows_the_language_after_the_first_call() -> None:
    client = Client(tier="core")
    with override("en"):
        english = client.get_tier_display()
    with override("zh-hans"):
        chinese = client.get_tier_display()
    with override("en"):
        again = client.get_tier_display()
    assert english == again
    assert chinese != english
    assert isinstance(chinese, str)
