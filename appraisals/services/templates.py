"""Appraisal templates: the weights that must add up (a used template is frozen by the model itself)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from appraisals.models import Dimension, Indicator, Template


def template_validate(*, template: Template, indicators: Iterable[Indicator] | None = None) -> None:
    """Refuse a template whose weights do not add up to 100 at every level, or whose indicators are incomplete.

    ``indicators`` are the (possibly unsaved) indicators to check, e.g. the rows of the admin's inline before they
    are written; by default the template's saved indicators.
    """
    items = list(template.indicators.all() if indicators is None else indicators)
    errors: list[str] = []

    dimension_weights = {
        Dimension.PERFORMANCE: template.weight_performance or 0,
        Dimension.BEHAVIOUR: template.weight_behaviour or 0,
        Dimension.ABILITY: template.weight_ability or 0,
    }
    if sum(dimension_weights.values()) != 100:
        errors.append(
            _("The dimension weights must add up to 100; they add up to %(total)s.")
            % {"total": sum(dimension_weights.values())}
        )
    performance = dimension_weights[Dimension.PERFORMANCE]
    if performance <= dimension_weights[Dimension.BEHAVIOUR] or performance <= dimension_weights[Dimension.ABILITY]:
        errors.append(_("Performance must carry the largest weight of the three dimensions."))

    rater_weights = (template.weight_self, template.weight_client, template.weight_head, template.weight_peer)
    rater_total = sum(weight or 0 for weight in rater_weights)
    if rater_total != 100:
        errors.append(_("The rater weights must add up to 100; they add up to %(total)s.") % {"total": rater_total})

    for dimension in Dimension:
        own = [item for item in items if item.dimension == dimension]
        if not own:
            errors.append(_("The dimension %(dimension)s has no indicator.") % {"dimension": dimension.label})
            continue
        total = sum(item.weight or 0 for item in own)
        if total != 100:
            errors.append(
                _("The indicator weights of the dimension %(dimension)s add up to %(total)s, not 100.")
                % {"dimension": dimension.label, "total": total}
            )

    for item in items:
        if item.kind == Indicator.Kind.MEASURED:
            if not item.metric or item.target is None or not item.rule:
                errors.append(
                    _("The measured indicator %(code)s needs a metric, a target and a scoring rule.")
                    % {"code": item.code}
                )
            elif item.target <= 0 and item.rule == Indicator.Rule.RATIO_TO_TARGET:
                errors.append(_("The target of the measured indicator %(code)s must be above 0.") % {"code": item.code})
        else:
            if item.metric:
                errors.append(_("The rated indicator %(code)s cannot have a metric.") % {"code": item.code})
            if not item.rater_types:
                errors.append(_("The rated indicator %(code)s needs at least one rater type.") % {"code": item.code})
    if errors:
        raise ValidationError(errors)
