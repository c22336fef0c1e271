"""Unannounced random spot-checks (随机抽查, 无预警考察): a recorded, re-runnable draw (appraisals/services/draws.py)
and the findings HR records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from appraisals.models import SpotCheck, SpotCheckDraw, SpotCheckPolicy
from appraisals.models.draws import DRAW_ALGORITHM
from appraisals.services.draws import draw_make, draw_reruns
from core.roles import Role, role_of
from managers.models import AccountManager
from notifications.events import SPOT_CHECK_PROBLEM
from notifications.services import notify


def spot_check_policy_active() -> SpotCheckPolicy | None:
    """The policy a scheduled draw follows: the oldest active one."""
    return SpotCheckPolicy.objects.filter(active=True).order_by("pk").first()


@transaction.atomic
def spot_check_draw(
    *,
    policy: SpotCheckPolicy | None = None,
    sample_size: int | None = None,
    by: AbstractBaseUser | None = None,
) -> SpotCheckDraw:
    """Draw managers for an unannounced spot-check among the active ones, and record how, so it can be re-run."""
    if policy is None and sample_size is None:
        policy = spot_check_policy_active()
        if policy is None:
            raise ValidationError(_("There is no active spot-check policy: set one up or give a sample size."))
    size = sample_size if sample_size is not None else policy.sample_size
    if size < 1:
        raise ValidationError(_("A spot-check draw takes at least one account manager."))
    population = AccountManager.objects.active().values_list("pk", flat=True)
    if not population:
        raise ValidationError(_("There is no active account manager to draw from."))
    made = draw_make(population=population, size=size)
    draw = SpotCheckDraw(
        policy=policy,
        drawn_by=by,
        population=made.population,
        sample_size=made.k,
        seed=made.seed,
        sample=made.sample,
        algorithm=DRAW_ALGORITHM,
    )
    draw.full_clean()
    draw.save()
    bulk_create_with_history(
        [SpotCheck(draw=draw, manager_id=manager_id) for manager_id in draw.sample],
        SpotCheck,
        default_user=by if by is not None and by.is_authenticated else None,
        default_change_reason="drawn",
    )
    return draw


def spot_check_verify(*, draw: SpotCheckDraw) -> bool:
    """An auditor's check: re-run the draw from its seed and population; True when it gives the recorded sample
    and the recorded checks are exactly those of the sample."""
    if not draw_reruns(draw=draw):
        return False
    return sorted(draw.checks.values_list("manager_id", flat=True)) == list(draw.sample)


def spot_check_findings_validate(
    *, check: SpotCheck, mode: str, method: str, checked_on: date | None, findings: str
) -> None:
    """Refuse findings that are incomplete or dated impossibly (forms call this to show errors by their fields)."""
    errors: dict[str, str] = {}
    if not mode:
        errors["mode"] = _("Say whether the check was on-site or off-site.")
    if not method:
        errors["method"] = _("Say which method was used.")
    if checked_on is None:
        errors["checked_on"] = _("Give the date of the check.")
    elif checked_on > timezone.localdate():
        errors["checked_on"] = _("A check cannot be dated in the future.")
    elif checked_on < timezone.localtime(check.draw.drawn_at).date():
        errors["checked_on"] = _("A check cannot be dated before its draw.")
    if not (findings or "").strip():
        errors["findings"] = _("Record the findings of the check.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def spot_check_record(
    *,
    check: SpotCheck,
    by: AbstractBaseUser,
    mode: str,
    method: str,
    checked_on: date,
    findings: str,
    score_effect: Decimal,
) -> SpotCheck:
    """HR records the findings of a spot-check and its score effect, which the next close includes."""
    if role_of(by) != Role.HR:
        raise ValidationError(_("Only HR records the findings of a spot-check."))
    # Lock the row: a close attaching this check (setting applied_to) must not cross a late edit.
    locked = SpotCheck.objects.select_for_update().select_related("draw").get(pk=check.pk)
    if locked.applied_to_id is not None:
        raise ValidationError(
            _("This spot-check was already counted in a closed appraisal; its findings can no longer change.")
        )
    spot_check_findings_validate(check=locked, mode=mode, method=method, checked_on=checked_on, findings=findings)
    locked.mode = mode
    locked.method = method
    locked.checked_on = checked_on
    locked.findings = findings.strip()
    locked.score_effect = Decimal(score_effect)
    locked.recorded_by = by
    locked.full_clean()
    locked.save()
    if locked.score_effect < 0:  # a deduction: the check found a problem
        notify(
            event=SPOT_CHECK_PROBLEM,
            recipient=locked.manager.user,
            params={"checked_on": checked_on.isoformat(), "link": reverse("appraisals:mine")},
            key=f"spot-check:{locked.pk}",
        )
    return locked
