"""Business rules of managers and grades (writes). Every path — forms, admin, imports, tasks — calls these."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from managers.models import AccountManager


def supervisor_validate(*, manager: AccountManager, supervisor: AccountManager) -> None:
    """Refuse a supervisor who does not hold a higher grade that may supervise the manager's grade."""
    if manager.pk and supervisor.pk == manager.pk:
        raise ValidationError({"supervisor": _("A manager cannot supervise themselves.")})
    own = manager.grade_on() if manager.pk else None
    theirs = supervisor.grade_on()
    if theirs is None:
        raise ValidationError({"supervisor": _("%(supervisor)s holds no grade yet.") % {"supervisor": supervisor}})
    if own is not None and (theirs.rank <= own.rank or not theirs.may_supervise.filter(pk=own.pk).exists()):
        raise ValidationError(
            {
                "supervisor": _(
                    "A %(their_grade)s may not supervise a %(own_grade)s: the supervisor must hold a "
                    "higher grade that may supervise it."
                )
                % {"their_grade": theirs, "own_grade": own}
            }
        )
