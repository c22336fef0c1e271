"""The roles of the product as Django groups, and which one a user acts in.

The grade of an account manager (senior, first-level, second-level, trainee) is data on the manager (from the
GradeChange history), not a group: a group would be a second record of the grade that could disagree with it.
What a grade may do beyond the shared "Account manager" group is decided object by object (their clients,
their supervision line) by the rules in each app's ``rules.py``.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    HR = "hr"
    DEPARTMENT_HEAD = "department_head"
    ACCOUNT_MANAGER = "account_manager"
    ASSISTANT = "assistant"


GROUP_NAMES: dict[Role, str] = {
    Role.HR: "HR",
    Role.DEPARTMENT_HEAD: "Department head",
    Role.ACCOUNT_MANAGER: "Account manager",
    Role.ASSISTANT: "Key-account assistant",
}
ROLE_LABELS = {
    Role.HR: _("HR / appraisal committee"),
    Role.DEPARTMENT_HEAD: _("department head"),
    Role.ACCOUNT_MANAGER: _("account manager"),
    Role.ASSISTANT: _("key-account assistant"),
}

# Model permissions each group holds (the admin is HR's tool; the others work through the browser pages,
# where object rules decide). HR holds every permission of these apps.
HR_APPS = (
    "managers",
    "clients",
    "appraisals",
    "incentives",
    "core",
    "notifications",
    "api",
    "django_celery_beat",
    "django_celery_results",
)


def roles_sync(**_kwargs: object) -> None:
    """Create the role groups and give HR its permissions; safe to run after every migrate."""
    groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in GROUP_NAMES.items()}
    groups[Role.HR].permissions.set(Permission.objects.filter(content_type__app_label__in=HR_APPS))


def role_of(user: AbstractBaseUser | AnonymousUser) -> Role | None:
    """The role a user acts in; HR wins over the others, a superuser counts as HR."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.HR
    # Django's prefetch of the user's groups: one query for the first question a request asks about this user, none
    # for the others (a page asks several); it is skipped when the user was loaded with its groups already, and
    # adding or removing a group through user.groups drops it.
    prefetch_related_objects([user], "groups")
    names = {group.name for group in user.groups.all()}
    return next((r for r in Role if GROUP_NAMES[r] in names), None)
