"""Object permissions on pay and recognition, as ``rules`` predicates over incentives.selectors (autodiscovered):
own pay only."""

from __future__ import annotations

import rules

from incentives import selectors


@rules.predicate
def may_view_pay_statement(user, statement) -> bool:
    if statement is None:
        # The model-level question ("may this user see pay statements at all?") is HR's or payroll's only.
        return selectors.sees_all_pay(user)
    return selectors.can_view_pay_statement(user, statement)


rules.add_perm("incentives.view_paystatement", may_view_pay_statement)
# Recognition needs no rule: it is public inside the company (the roll of honour), and only HR awards it, in the admin.
