"""Object permissions on pay and recognition, as ``rules`` predicates over core.permissions (autodiscovered):
own pay only."""

from __future__ import annotations

import rules

from core import permissions


@rules.predicate
def may_view_pay_statement(user, statement) -> bool:
    if statement is None:
        # The model-level question ("may this user see pay statements at all?") is HR's or payroll's only.
        return permissions.sees_all_pay(user)
    return permissions.can_view_pay_statement(user, statement)


rules.add_perm("incentives.view_paystatement", may_view_pay_statement)
# Recognition needs no rule: it is public inside the company (the roll of honour), and only HR awards it, in the admin.
