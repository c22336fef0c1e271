"""Object permissions on clients and the work done for them, as ``rules`` predicates over clients.selectors.

Autodiscovered (rules.apps.AutodiscoverRulesConfig); ``user.has_perm("clients.view_client", client)`` and
``{% has_perm %}`` in templates answer exactly as the querysets of clients.selectors do.
"""

from __future__ import annotations

import rules

from clients import selectors
from core import permissions


@rules.predicate
def is_hr(user) -> bool:
    return permissions.is_hr(user)


@rules.predicate
def may_view_client(user, client) -> bool:
    return selectors.can_view_client(user, client)


@rules.predicate
def may_log_interaction(user, client) -> bool:
    return selectors.can_log_interaction(user, client)


@rules.predicate
def may_write_report(user, client) -> bool:
    return selectors.can_write_report(user, client)


rules.add_perm("clients.view_client", is_hr | may_view_client)
# Interactions, feedback and reports are created on a client: the object is the client.
rules.add_perm("clients.add_interaction", is_hr | may_log_interaction)
rules.add_perm("clients.add_feedback", is_hr | may_log_interaction)
rules.add_perm("clients.add_report", is_hr | may_write_report)
