"""Object store adapters: the lake on a local directory (S3 comes later)."""

from engage.adapters.store.local import InvalidKeyError, LocalObjectStore, validate_key

__all__ = ["InvalidKeyError", "LocalObjectStore", "validate_key"]
