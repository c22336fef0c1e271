from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User

from core.roles import GROUP_NAMES, Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; pass role=Role.X to put them in that role's group."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: Role | None, **kwargs: object) -> None:
        if extracted is not None:
            if extracted == Role.HR:
                self.is_staff = True
            self.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[extracted])[0])
        self.save()
