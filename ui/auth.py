"""The admin password: checked against a plain secret or a scrypt hash from the settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable

from retrieval.errors import ConfigError
from retrieval.settings import Settings

ADMIN_USER = "admin"
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash``, for ``admin_password_hash`` in quorum.toml."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored_hash: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored_hash.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def admin_check(settings: Settings) -> Callable[[str, str], bool]:
    """Gradio's ``auth`` callable for admin mode; refuses to exist without a password."""
    secret = settings.admin_password.get_secret_value() if settings.admin_password else ""
    stored_hash = settings.admin_password_hash or ""
    if not secret and not stored_hash:
        raise ConfigError(
            "admin mode needs a password: set QUORUM_ADMIN_PASSWORD, or admin_password_hash in quorum.toml "
            "(make one with `quorum hash-password`)"
        )
    if stored_hash and not stored_hash.startswith("scrypt$"):
        raise ConfigError("admin_password_hash is not a hash made by `quorum hash-password`")

    def check(username: str, password: str) -> bool:
        if not hmac.compare_digest(username.encode(), ADMIN_USER.encode()):
            return False
        if secret:
            return hmac.compare_digest(password.encode(), secret.encode())
        return verify_password(password, stored_hash)

    return check


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
