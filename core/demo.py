"""The demo company's accounts: one per role, with the passwords the README lists."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth.models import Group, User

from core.roles import GROUP_NAMES, Role


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    name: tuple[str, str]  # (given name, family name), as User.first_name and last_name


# One account per role (README lists these), with Chinese names: shown family name first, 张慧 (core.names).
# The graded managers are completed by managers.demo.
DEMO_ACCOUNTS = (
    DemoAccount("hr", "hr-demo-2026", Role.HR, ("慧", "张")),
    DemoAccount("head", "head-demo-2026", Role.DEPARTMENT_HEAD, ("伟", "李")),
    DemoAccount("senior", "senior-demo-2026", Role.ACCOUNT_MANAGER, ("军", "王")),
    DemoAccount("first", "first-demo-2026", Role.ACCOUNT_MANAGER, ("芳", "刘")),
    DemoAccount("second", "second-demo-2026", Role.ACCOUNT_MANAGER, ("磊", "陈")),
    DemoAccount("trainee", "trainee-demo-2026", Role.ACCOUNT_MANAGER, ("敏", "赵")),
    DemoAccount("assistant", "assistant-demo-2026", Role.ASSISTANT, ("娜", "孙")),
)


def user_ensure(*, username: str, role: Role, first_name: str, last_name: str, password: str | None = None) -> User:
    """The user with this username in this role's group, created once; a re-run changes nothing."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@demo.example.com",
            "is_staff": role == Role.HR,
        },
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    return user


def seed(rng: random.Random) -> dict[str, User]:
    """Create the demo accounts of DEMO_ACCOUNTS."""
    return {
        account.username: user_ensure(
            username=account.username,
            role=account.role,
            first_name=account.name[0],
            last_name=account.name[1],
            password=account.password,
        )
        for account in DEMO_ACCOUNTS
    }
