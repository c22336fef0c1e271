"""Templates: weights that do not add up are refused with a message; a used template never changes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from appraisals.models import Indicator, Template
from appraisals.services.cycles import cycle_open
from appraisals.services.templates import template_validate
from tests.appraisals.factories import AppraisalCycleFactory, hr_user, small_template
from tests.managers.factories import AccountManagerFactory

pytestmark = pytest.mark.django_db


def test_the_seeded_standard_template_is_valid_and_follows_seed_004() -> None:
    template = Template.objects.get(name="Standard appraisal")
    template_validate(template=template)
    assert (template.weight_performance, template.weight_behaviour, template.weight_ability) == (60, 25, 15)
    raters = (template.weight_self, template.weight_client, template.weight_head, template.weight_peer)
    assert raters == (20, 30, 35, 15)
    codes = set(template.indicators.values_list("code", flat=True))
    assert set("ABCDEFGHIJ") <= codes  # the ten qualitative standards of 004 §七(四)
    metrics = set(template.indicators.filter(kind=Indicator.Kind.MEASURED).values_list("metric", flat=True))
    # Seed 004's indicators; the retention rate is offered for HR to add to a template of their own.
    assert metrics == set(Indicator.Metric.values) - {Indicator.Metric.RETENTION}
    g = template.indicators.get(code="G")
    assert g.name == "客户对客户经理的评价" and g.rater_types == ["client"]
    assert "peer" in template.indicators.get(code="J").rater_types


def test_indicator_weights_not_summing_to_100_are_refused_naming_the_dimension() -> None:
    template = small_template()
    indicator = template.indicators.get(code="B2")
    indicator.weight = 50
    with pytest.raises(ValidationError) as error:
        template_validate(template=template, indicators=[*template.indicators.exclude(code="B2"), indicator])
    assert "The indicator weights of the dimension behaviour add up to 90, not 100." in error.value.messages


def test_dimension_weights_and_rater_weights_are_checked() -> None:
    template = small_template()
    template.weight_performance, template.weight_behaviour, template.weight_ability = 30, 40, 20
    template.weight_peer = 25
    with pytest.raises(ValidationError) as error:
        template_validate(template=template)
    assert "The dimension weights must add up to 100; they add up to 90." in error.value.messages
    assert "Performance must carry the largest weight of the three dimensions." in error.value.messages
    assert "The rater weights must add up to 100; they add up to 110." in error.value.messages


def test_a_dimension_without_indicator_and_an_incomplete_measured_indicator_are_refused() -> None:
    template = small_template()
    indicators = [i for i in template.indicators.all() if i.dimension != "ability"]
    measured = next(i for i in indicators if i.code == "P1")
    measured.rule = ""
    with pytest.raises(ValidationError) as error:
        template_validate(template=template, indicators=indicators)
    assert "The dimension ability has no indicator." in error.value.messages
    assert "The measured indicator P1 needs a metric, a target and a scoring rule." in error.value.messages


def test_opening_a_cycle_checks_the_template_again() -> None:
    template = small_template()
    Indicator.objects.filter(template=template, code="A2").update(weight=10)  # a bad write past the admin
    cycle = AppraisalCycleFactory(template=template)
    with pytest.raises(ValidationError, match="ability add up to 60"):
        cycle_open(cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.state == "draft"


def test_a_template_used_by_a_cycle_with_appraisals_cannot_change() -> None:
    template = small_template()
    AccountManagerFactory(grade="second")
    assert not template.is_used()
    template.save()  # not used yet: it may still change
    cycle_open(cycle=AppraisalCycleFactory(template=template))
    assert template.is_used()
    template.weight_performance = 61
    with pytest.raises(ValidationError, match="can no longer change"):
        template.save()
    indicator = template.indicators.first()
    indicator.weight = 1
    with pytest.raises(ValidationError, match="can no longer change"):
        indicator.save()
    with pytest.raises(ValidationError, match="can no longer change"), transaction.atomic():
        indicator.delete()
    assert template.indicators.filter(pk=indicator.pk).exists()


def _admin_post_data(template: Template, **overrides: object) -> dict[str, object]:
    indicators = list(template.indicators.order_by("pk"))
    data: dict[str, object] = {
        "name": template.name,
        "plan": "",
        "weight_performance": template.weight_performance,
        "weight_behaviour": template.weight_behaviour,
        "weight_ability": template.weight_ability,
        "weight_self": template.weight_self,
        "weight_client": template.weight_client,
        "weight_head": template.weight_head,
        "weight_peer": template.weight_peer,
        "client_sample_size": 3,
        "peers_per_manager": 2,
        "indicators-TOTAL_FORMS": len(indicators),
        "indicators-INITIAL_FORMS": len(indicators),
        "indicators-MIN_NUM_FORMS": 0,
        "indicators-MAX_NUM_FORMS": 1000,
    }
    for n, indicator in enumerate(indicators):
        prefix = f"indicators-{n}-"
        data.update(
            {
                prefix + "id": indicator.pk,
                prefix + "template": template.pk,
                prefix + "dimension": indicator.dimension,
                prefix + "order": indicator.order,
                prefix + "code": indicator.code,
                prefix + "name": indicator.name,
                prefix + "weight": indicator.weight,
                prefix + "kind": indicator.kind,
                prefix + "metric": indicator.metric,
                prefix + "target": indicator.target or "",
                prefix + "rule": indicator.rule,
            }
        )
        for rater in indicator.rater_types:
            data[prefix + f"rated_by_{rater}"] = "on"
    data.update(overrides)
    return data


def test_the_admin_refuses_indicator_weights_that_do_not_add_up_with_a_message(client) -> None:
    client.force_login(hr_user())
    template = small_template()
    url = reverse("admin:appraisals_template_change", args=[template.pk])
    codes = list(template.indicators.order_by("pk").values_list("code", flat=True))
    bad = {f"indicators-{codes.index('A1')}-weight": 70}
    response = client.post(url, _admin_post_data(template, **bad))
    assert response.status_code == 200  # the form again, with the message
    assert "The indicator weights of the dimension ability add up to 120, not 100." in response.content.decode()
    assert template.indicators.get(code="A1").weight == 50  # nothing was saved

    good = {f"indicators-{codes.index('A1')}-weight": 30, f"indicators-{codes.index('A2')}-weight": 70}
    response = client.post(url, _admin_post_data(template, **good))
    assert response.status_code == 302
    assert template.indicators.get(code="A2").weight == 70


def test_the_admin_shows_a_used_template_read_only(client) -> None:
    client.force_login(hr_user())
    template = small_template()
    AccountManagerFactory(grade="second")
    cycle_open(cycle=AppraisalCycleFactory(template=template))
    url = reverse("admin:appraisals_template_change", args=[template.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="weight_performance"' not in response.content.decode()  # shown, not editable
    response = client.post(url, _admin_post_data(template, weight_performance=70, weight_behaviour=15))
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.weight_performance == 60
