"""Private keys at rest: encrypted with Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`.

The key comes from settings.SCM_KEY_ENCRYPTION_KEY, kept apart from SECRET_KEY. In
development, when it is unset, one is derived from SECRET_KEY so a fresh checkout works;
the deploy check (manage.py check --deploy) warns about that.
"""

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.views.decorators.debug import sensitive_variables


class Secret(bytes):
    """Decrypted key material: bytes to the code that uses it, but hidden wherever it is
    printed, so an error report that lists a frame's variables (any frame, the standard
    library's included) or a log line never shows it."""

    def __repr__(self) -> str:
        return "<secret: hidden>"

    __str__ = __repr__


@cache
def _fernet(configured: str, secret_key: str) -> Fernet:
    if configured:
        return Fernet(configured.encode("ascii"))
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"scm-console private keys"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _box() -> Fernet:
    return _fernet(settings.SCM_KEY_ENCRYPTION_KEY, settings.SECRET_KEY)


@sensitive_variables("secret")
def encrypt(secret: bytes) -> bytes:
    return _box().encrypt(secret)


@sensitive_variables("token")
def decrypt(token: bytes) -> Secret:
    try:
        return Secret(_box().decrypt(bytes(token)))
    except InvalidToken:
        raise ValueError("The stored private key cannot be decrypted with this key.") from None
