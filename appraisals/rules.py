"""Object permissions on appraisals and ratings, as ``rules`` predicates over appraisals.selectors (autodiscovered)."""

from __future__ import annotations

import rules

from appraisals import selectors
from core import permissions


@rules.predicate
def is_hr(user) -> bool:
    return permissions.is_hr(user)


@rules.predicate
def may_view_appraisal(user, appraisal) -> bool:
    return selectors.can_view_appraisal(user, appraisal)


@rules.predicate
def may_answer_appraisal(user, appraisal) -> bool:
    return selectors.can_answer_appraisal(user, appraisal)


@rules.predicate
def may_rate(user, rating) -> bool:
    return selectors.can_rate(user, rating)


@rules.predicate
def may_manage_spot_checks(user) -> bool:
    return selectors.can_manage_spot_checks(user)


rules.add_perm("appraisals.view_appraisal", is_hr | may_view_appraisal)
# Acknowledge or appeal one's own final result (the services check the deadline and the state).
rules.add_perm("appraisals.answer_appraisal", may_answer_appraisal)
rules.add_perm("appraisals.change_rating", is_hr | may_rate)
rules.add_perm("appraisals.view_spotcheck", may_manage_spot_checks)
