"""The qualification requirements (任职条件) of a grade, checked against a manager's history or a candidate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from managers.models import AccountManager, Certification, Education, Grade, GradeChange


def _months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end (0 if end is before start)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)
    return max(months, 0)


def months_in_grade(*, changes: Iterable[GradeChange], grade_id: int, day: date) -> int:
    """Whole months the history shows the grade held up to the day (periods summed)."""
    ordered = sorted((c for c in changes if c.effective_date <= day), key=lambda c: (c.effective_date, c.pk))
    total = 0
    for index, change in enumerate(ordered):
        if change.to_grade_id != grade_id:
            continue
        until = ordered[index + 1].effective_date if index + 1 < len(ordered) else day
        total += _months_between(change.effective_date, until)
    return total


def qualification_check(
    *, person: AccountManager | Certification, grade: Grade | None = None, day: date | None = None
) -> list[str]:
    """The qualification requirements (任职条件) the person fails, one translated message each; [] when qualified.

    ``person`` is an AccountManager (its grade history counts for the prior-grade condition) or a Certification
    candidate (no history yet). ``grade`` defaults to the manager's grade on the day, or the scheme's entry grade.
    """
    day = day or timezone.localdate()
    # Prefetched grade_changes (the profile page) are used without a query.
    changes = list(person.grade_changes.all()) if isinstance(person, AccountManager) and person.pk else []
    if grade is None:
        if isinstance(person, Certification):
            grade = person.scheme.entry_grade
        else:
            in_force = [c for c in changes if c.effective_date <= day]
            grade = max(in_force, key=lambda c: (c.effective_date, c.pk)).to_grade if in_force else None

    failures: list[str] = []
    if not person.good_ethics:
        failures.append(_("Professional ethics are not judged good."))
    if person.bad_business_record:
        failures.append(_("There is a bad business record."))
    if not person.healthy:
        failures.append(_("Not in good health."))
    if person.education is None or person.education < Education.ASSOCIATE:
        failures.append(_("Education is below an associate degree (大专)."))
    years = person.years_experience if person.years_experience is not None else Decimal("0")
    if years < 1:
        failures.append(_("Less than one year of similar work (%(years)s years).") % {"years": years})
    if grade is not None:
        # The basic one-year condition already speaks for a grade whose own minimum is no more than a year.
        if years < grade.min_years_experience and not (years < 1 and grade.min_years_experience <= 1):
            failures.append(
                _("A %(grade)s needs at least %(minimum)s years of similar work; there are %(years)s.")
                % {"grade": grade, "minimum": grade.min_years_experience, "years": years}
            )
        if grade.required_prior_grade_id:
            prior_id = grade.required_prior_grade_id
            held = months_in_grade(changes=changes, grade_id=prior_id, day=day)
            needed = grade.min_months_in_prior_grade
            ever_held = any(c.to_grade_id == prior_id and c.effective_date <= day for c in changes)
            if not ever_held or held < needed:
                failures.append(
                    _("A %(grade)s must have held the grade %(prior)s for %(months)s months; held for %(held)s.")
                    % {"grade": grade, "prior": grade.required_prior_grade, "months": needed, "held": held}
                )
    return failures
