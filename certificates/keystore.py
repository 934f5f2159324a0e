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


def encrypt(secret: bytes) -> bytes:
    return _box().encrypt(secret)


def decrypt(token: bytes) -> bytes:
    try:
        return _box().decrypt(bytes(token))
    except InvalidToken:
        raise ValueError("The stored private key cannot be decrypted with this key.") from None
