from __future__ import annotations

import factory

from api.models import ApiToken
from api.services import api_token_issue
from tests.core.factories import UserFactory


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token issued through the service; the one-time key is kept on the instance as ``key``."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"integration {n}")
    scope = ApiToken.Scope.READ_WRITE
    service_account = False

    @classmethod
    def _create(cls, model_class: type[ApiToken], *args: object, **kwargs: object) -> ApiToken:
        issued = api_token_issue(**kwargs)
        issued.token.key = issued.key
        return issued.token


def auth_header(token: ApiToken) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}
