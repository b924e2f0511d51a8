"""Keyed, irreversible tokens of customer ids (seed §2.3.7 "tokenization").

A token is HMAC-SHA256(key, customer_id): stable for one key, so support staff and the
erasure log can refer to a customer without holding the id, yet nobody without the
key can recompute or reverse it (a plain hash of ``CUST_0000042`` could be brute-forced
over the small id space in seconds).

The key comes from ``ENGAGE_TOKEN_KEY`` or, when that is unset, from a random key
generated once into ``Settings.resolved_token_key_path()`` (mode 0600, beside the
lake, outside the repository). Losing or changing the key orphans every token: the
erasure log records a key fingerprint so that a changed key is detected, not ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from engage.settings import Settings

TOKEN_PREFIX = "tok_"  # noqa: S105 - a label, not a secret
_TOKEN_HEX = 32  # 128 bits: collisions are out of reach for any customer count
_KEY_ID_LABEL = b"engage-token-key-id"


class TokenKeyError(RuntimeError):
    """The token key is missing, unreadable or readable by others."""


@dataclass(frozen=True, repr=False)
class Tokenizer:
    """Turns customer ids into tokens with one secret key (never printed: repr hides it)."""

    key: bytes

    def __repr__(self) -> str:
        return f"Tokenizer(key_id={self.key_id!r})"

    @property
    def key_id(self) -> str:
        """A fingerprint of the key, safe to store: tells whether two tokens share a key."""
        return hmac.new(self.key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:12]

    def token(self, customer_id: str) -> str:
        digest = hmac.new(self.key, customer_id.encode("utf-8"), hashlib.sha256).hexdigest()
        return TOKEN_PREFIX + digest[:_TOKEN_HEX]

    def tokens(self, customer_ids: Iterable[str]) -> list[str]:
        return [self.token(c) for c in customer_ids]


def load_tokenizer(settings: Settings, *, create: bool = True) -> Tokenizer:
    """The tokenizer for these settings; creates the key file on first use if allowed.

    Args:
        settings: ENGAGE_TOKEN_KEY wins; otherwise the key file is read (or created).
        create: False for read-only callers, which must not leave a key behind.

    Raises:
        TokenKeyError: no key and `create` is False, or the key file is unsafe.
    """
    if settings.token_key is not None:
        return Tokenizer(settings.token_key.get_secret_value().encode("utf-8"))
    if settings.lake_is_s3 and settings.token_key_file is None:
        # Each Lambda or container would otherwise invent its own key: tokens would differ.
        raise TokenKeyError("an S3 lake needs ENGAGE_TOKEN_KEY (e.g. from Secrets Manager)")
    path = settings.resolved_token_key_path()
    if not path.exists():
        if not create:
            raise TokenKeyError(f"no token key at {path} and ENGAGE_TOKEN_KEY is unset")
        _create_key_file(path)
    return Tokenizer(_read_key_file(path))


def key_available(settings: Settings) -> bool:
    """Whether a key exists without creating one."""
    return settings.token_key is not None or settings.resolved_token_key_path().exists()


def _create_key_file(path: Path) -> None:
    """Write a random key with mode 0600; a concurrent creator's key wins if it was first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32) + "\n")


def _read_key_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise TokenKeyError(
            f"token key {path} is accessible to other users (mode {stat.S_IMODE(mode):o}); "
            f"run: chmod 600 {path}"
        )
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise TokenKeyError(f"token key {path} is too short; delete it only if no erasures exist")
    return key.encode("ascii")


@dataclass(frozen=True)
class TokenKeys:
    """Where the tokenizer's key comes from, handed to erasure and export as a port.

    Why: `forget` and `export` then take what they use as parameters (store, catalog,
    hooks, keys) instead of reading settings; a test hands in a fixed key.
    """

    settings: Settings

    def existing(self) -> Tokenizer | None:
        """The tokenizer if a key exists; never creates one (read-only callers)."""
        return load_tokenizer(self.settings, create=False) if key_available(self.settings) else None

    def require(self) -> Tokenizer:
        """The existing key's tokenizer; TokenKeyError when there is none (never creates)."""
        return load_tokenizer(self.settings, create=False)

    def get(self) -> Tokenizer:
        """The tokenizer, creating the key file on first use."""
        return load_tokenizer(self.settings)
