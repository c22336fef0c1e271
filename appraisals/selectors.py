"""Reads about appraisals: who may see and do what on appraisals, ratings and spot-checks (the one place that decides
it), and the reads behind the pages."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from appraisals.models import Appraisal, AppraisalCycle, RaterType, Rating, SpotCheck
from core.permissions import Action, Kind, Scope
from managers.selectors import acting_manager, managers_in_scope, scope_of

User = AbstractBaseUser | AnonymousUser


# --- permissions: appraisals, ratings, spot-checks -----------------------------------------------------------------


def appraisals_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Appraisal]:
    """HR: every appraisal. Others: the final appraisals of closed cycles of the managers in their scope (their line,
    their department as its head; for change, their own); an appraisal in progress is shown to no one but HR."""
    scope = scope_of(user, Kind.APPRAISAL, action)
    managers = managers_in_scope(user, scope)
    if managers is None:
        return Appraisal.objects.all()
    condition = Q(manager__in=managers.values("pk"))
    # A department head who is also someone's supervisor sees both: the union of the two scopes.
    if scope == Scope.DEPARTMENT and acting_manager(user) is not None:
        condition |= Q(manager__in=managers_in_scope(user, Scope.LINE).values("pk"))
    return Appraisal.objects.filter(condition, finalised_at__isnull=False, cycle__state=AppraisalCycle.State.CLOSED)


def appraisal_for_user(user: User, pk: int) -> Appraisal | None:
    """The appraisal with what its page shows, or None when the user may not see it."""
    return (
        appraisals_visible_to(user)
        .select_related("cycle", "manager__user", "manager__department", "grade", "appeal")
        .filter(pk=pk)
        .first()
    )


def can_view_appraisal(user: User, appraisal: Appraisal | None) -> bool:
    return appraisal is not None and appraisals_visible_to(user).filter(pk=appraisal.pk).exists()


def can_answer_appraisal(user: User, appraisal: Appraisal | None) -> bool:
    """Acknowledge or appeal: the appraised manager only (the services check the deadline)."""
    return appraisal is not None and user.is_authenticated and appraisal.manager.user_id == user.pk


def can_see_all_results(user: User) -> bool:
    """The ranking of a cycle and its export: HR only."""
    return scope_of(user, Kind.APPRAISAL, Action.LIST) == Scope.ALL


def ratings_given_by(user: User) -> QuerySet[Rating]:
    """The ratings the user gives (self, department head, peer); client ratings go through survey links."""
    if not user.is_authenticated:
        return Rating.objects.none()
    return Rating.objects.filter(rater=user).exclude(rater_type=RaterType.CLIENT)


def ratings_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[Rating]:
    """HR sees every rating and who gave it; a rater only the ratings they give. A rated manager sees the ratings of
    their appraisal only as the anonymous figures of its explanation; a client's rating opens by its survey link."""
    scope = scope_of(user, Kind.RATING, action)
    if scope == Scope.ALL:
        return Rating.objects.all()
    if scope == Scope.OWN:
        return ratings_given_by(user)
    return Rating.objects.none()


def can_rate(user: User, rating: Rating | None) -> bool:
    return rating is not None and ratings_given_by(user).filter(pk=rating.pk).exists()


def spot_checks_visible_to(user: User, action: Action = Action.VIEW) -> QuerySet[SpotCheck]:
    """HR only: spot-checks are unannounced, so a manager never sees a draw or a check."""
    if scope_of(user, Kind.SPOT_CHECK, action) == Scope.ALL:
        return SpotCheck.objects.all()
    return SpotCheck.objects.none()


def can_manage_spot_checks(user: User) -> bool:
    return scope_of(user, Kind.SPOT_CHECK, Action.VIEW) == Scope.ALL
