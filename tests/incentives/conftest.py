import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings) -> None:
    """Every manager a factory makes has a user with a password; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
