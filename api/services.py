"""Issuing, checking and revoking API tokens.

A key is ``<prefix>.<secret>``: the prefix finds the row, the SHA-256 of the whole key is compared in constant time.
A key carries 256 random bits, so a fast hash is enough (a slow one guards guessable passwords, not random keys).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken

# Writing last_used_at on every request would make each read a write; to the minute is what an auditor needs.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once; only its hash is stored


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *,
    user: AbstractBaseUser,
    name: str,
    scope: str = ApiToken.Scope.READ,
    service_account: bool = False,
    issued_by: AbstractBaseUser | None = None,
) -> IssuedToken:
    """Issue a token for the user; the returned key is the only time it is ever seen."""
    if not user.is_active:
        raise ValidationError({"user": _("A token cannot be issued to an inactive user.")})
    prefix = secrets.token_hex(6)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user=user,
        name=name,
        scope=scope,
        service_account=service_account,
        prefix=prefix,
        key_hash=_hash(key),
        created_by=issued_by,
    )
    token.full_clean()
    token.save()
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: AbstractBaseUser | None = None) -> ApiToken:
    """Revoke the token from now on; the row stays, with who revoked it and when. Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The active token this key belongs to, with its user, recording its use; None for any other key."""
    prefix, dot, _secret = key.partition(".")
    if not dot or not prefix:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(key)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
