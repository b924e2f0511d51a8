"""API keys: created once and shown once, stored only as salted scrypt hashes.

A key reads `ek_<key id>_<secret>`. The key id is public (it names the key in
logs and the audit trail); the secret is checked with scrypt against the salted
hash in the key file. scrypt is deliberately slow (~50 ms), so a server
remembers, in memory only, the SHA-256 of keys it has already verified (and of
recent wrong ones). The file is re-read whenever its size, inode or
modification time changes (one `stat` per request), so a revocation by
`engage keys revoke` takes effect on the next request; what was verified is
forgotten **per key** (a memo survives a reload while its key's record is
unchanged), so creating or revoking one key does not make every client pay
scrypt again. The memos hold at most one entry per key in the file plus
`_NEGATIVE_MEMO` wrong ones.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Role = Literal["reader", "admin"]
ROLES: tuple[str, ...] = ("reader", "admin")
_KEY = re.compile(r"ek_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})")
_NAME = re.compile(r"[A-Za-z0-9 _.@-]{1,64}")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_NEGATIVE_MEMO = 4096


class KeyStoreError(ValueError):
    """A key store operation was refused (bad name or role, unknown key)."""


@dataclass(frozen=True)
class ApiKey:
    """What the store keeps about a key: never the key itself."""

    key_id: str
    name: str
    role: str
    salt: str
    hash: str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _digest(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode(), salt=salt, maxmem=64 * 1024 * 1024, **_SCRYPT).hex()


class KeyStore:
    """The key file (JSON) and the verification that reads it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._loaded = False
        self._keys: dict[str, ApiKey] = {}
        self._verified: dict[str, ApiKey] = {}  # sha256(key) -> key, for verified keys
        self._rejected: OrderedDict[str, None] = OrderedDict()  # sha256 of wrong keys

    # -- administration (the CLI) ---------------------------------------------------
    def create(self, name: str, role: str) -> tuple[ApiKey, str]:
        """A new key: (what is stored, the plaintext key to show once)."""
        if not _NAME.fullmatch(name):
            raise KeyStoreError("key names are 1-64 letters, digits, spaces or _.@-")
        if role not in ROLES:
            raise KeyStoreError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        with self._lock:
            keys = self._read()
            if any(k.name == name and k.active for k in keys.values()):
                raise KeyStoreError(f"an active key named {name!r} exists; revoke it first")
            key_id = secrets.token_hex(6)
            secret = secrets.token_urlsafe(32)
            salt = os.urandom(16)
            record = ApiKey(key_id, name, role, salt.hex(), _digest(secret, salt), _now())
            keys[key_id] = record
            self._write(keys)
        return record, f"ek_{key_id}_{secret}"

    def revoke(self, key_id_or_name: str) -> ApiKey:
        """Revoke by key id or by name; the record stays (who had access, until when)."""
        with self._lock:
            keys = self._read()
            found = [k for k in keys.values() if k.active and key_id_or_name in (k.key_id, k.name)]
            if not found:
                raise KeyStoreError(f"no active key with id or name {key_id_or_name!r}")
            revoked = ApiKey(**{**asdict(found[0]), "revoked_at": _now()})
            keys[revoked.key_id] = revoked
            self._write(keys)
        return revoked

    def list(self) -> list[ApiKey]:
        with self._lock:
            return sorted(self._read().values(), key=lambda k: k.created_at)

    # -- verification (the server) ----------------------------------------------------
    def remembered(self, presented: str | None) -> tuple[bool, ApiKey | None]:
        """(decided, key) without running scrypt: malformed, unknown id or memoised.

        The server calls this on its event loop and `authenticate` (slow the first
        time for each key) in its thread pool only when this cannot decide.
        """
        match = _KEY.fullmatch(presented) if presented else None
        if match is None:
            return True, None
        self._refresh()
        fingerprint = hashlib.sha256(presented.encode()).hexdigest()  # type: ignore[union-attr]
        known = self._verified.get(fingerprint)
        if known is not None:
            return True, known
        record = self._keys.get(match.group(1))
        if fingerprint in self._rejected or record is None or not record.active:
            return True, None
        return False, None

    @staticmethod
    def key_id(presented: str | None) -> str | None:
        """The key id part of a well-formed key, else None (for throttling failures)."""
        match = _KEY.fullmatch(presented) if presented else None
        return None if match is None else match.group(1)

    def authenticate(self, presented: str | None) -> ApiKey | None:
        """The active key matching `presented`, or None."""
        if not presented:
            return None
        match = _KEY.fullmatch(presented)
        if match is None:
            return None
        self._refresh()
        fingerprint = hashlib.sha256(presented.encode()).hexdigest()
        known = self._verified.get(fingerprint)
        if known is not None:
            return known
        if fingerprint in self._rejected:
            return None
        record = self._keys.get(match.group(1))
        ok = (
            record is not None
            and record.active
            and hmac.compare_digest(
                _digest(match.group(2), bytes.fromhex(record.salt)), record.hash
            )
        )
        with self._lock:
            if ok:
                self._verified[fingerprint] = record
            else:
                self._rejected[fingerprint] = None
                while len(self._rejected) > _NEGATIVE_MEMO:
                    self._rejected.popitem(last=False)
        return record if ok else None

    def _refresh(self) -> None:
        """Reload the file (and forget every memo) when it changed on disk."""
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            stamp = None
        if self._loaded and stamp == self._stamp:
            return
        with self._lock:
            keys = self._read() if stamp is not None else {}
            self._verified = {
                fp: key for fp, key in self._verified.items() if keys.get(key.key_id) == key
            }  # a key whose record changed (revoked, replaced) is verified again
            self._keys, self._stamp, self._loaded = keys, stamp, True

    # -- file -------------------------------------------------------------------------
    def _read(self) -> dict[str, ApiKey]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text())
        return {k["key_id"]: ApiKey(**k) for k in data.get("keys", [])}

    def _write(self, keys: dict[str, ApiKey]) -> None:
        """Atomically (write, fsync, rename), readable by the owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        body = json.dumps({"version": 1, "keys": [asdict(k) for k in keys.values()]}, indent=2)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
