"""The lake on a local directory: the embedded default for S3.

Writes never expose half-written data: files go to a hidden temporary name and are
renamed into place; datasets (directories) are built aside and swapped in by
`publish`. Hidden names (starting with '.') are the store's own work files, so
`list` skips them and pyarrow ignores them; none of them ends in '.parquet', so
DuckDB globs such as ``prefix/**/*.parquet`` never pick them up either.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.parquet as pq

_TMP = ".engage-tmp"


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (Linux renameat2); False where unsupported."""
    libc = _libc()
    if libc is None:
        return False
    if libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE):
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            return False
        raise OSError(err, os.strerror(err), str(a), None, str(b))
    return True


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.renameat2  # noqa: B018  (glibc 2.28+)
    except (OSError, AttributeError):
        return None
    return libc


class InvalidKeyError(ValueError):
    """A key that would escape the lake root or is not a relative '/'-separated path."""


def validate_key(key: str, *, allow_empty: bool = False) -> str:
    """Return key if it is a safe relative key; raise InvalidKeyError otherwise.

    Why: keys come from configuration and SQL-driven table names; one with '..' or a
    leading '/' could read or delete files outside the lake.
    """
    if not isinstance(key, str) or "\\" in key or "\x00" in key:
        raise InvalidKeyError(f"lake key must be a '/'-separated string, got {key!r}")
    if not key:
        if allow_empty:
            return key
        raise InvalidKeyError("lake key must not be empty")
    if key.startswith("/") or PurePosixPath(key).is_absolute() or ":" in key.split("/")[0]:
        raise InvalidKeyError(f"lake key must be relative to the lake root, got {key!r}")
    if any(part in ("..", ".") for part in key.split("/")):
        raise InvalidKeyError(f"lake key must not contain '.' or '..' segments, got {key!r}")
    return key


class LocalObjectStore:
    """ObjectStore over a local directory; keys map to files under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()  # created by the first write, not by reading
        self._publish_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def _path(self, key: str, *, allow_empty: bool = False) -> Path:
        return self.root.joinpath(*validate_key(key, allow_empty=allow_empty).split("/"))

    def search_path(self) -> list[Path]:
        """Folders that lake keys are relative to (the DuckDB engine resolves views with it)."""
        return [self.root]

    def uri(self, key: str) -> str:
        """Absolute local path; keeps a trailing '/' so prefixes still read as folders."""
        path = str(self._path(key, allow_empty=True))
        return path + "/" if key.endswith("/") and not path.endswith("/") else path

    def put_bytes(self, key: str, data: bytes) -> None:
        self._write_atomically(self._path(key), lambda tmp: tmp.write_bytes(data))

    def get_bytes(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(f"no object {key!r} in lake {self.root}")
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        """True for an object, or for a prefix with at least one object under it."""
        path = self._path(key)
        return path.is_file() or (path.is_dir() and bool(self.list(key.rstrip("/") + "/")))

    def list(self, prefix: str) -> list[str]:
        """Keys under prefix (S3 semantics: a plain string prefix), recursively, sorted."""
        base = self._path(prefix, allow_empty=True)
        folder = base if prefix == "" or prefix.endswith("/") else base.parent
        if not folder.is_dir():
            return []
        keys = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                key = name if rel == "." else f"{rel}/{name}"
                if not name.startswith(".") and key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key under prefix and the folders left empty; returns the count."""
        validate_key(prefix)
        keys = self.list(prefix)
        for key in keys:
            self._path(key).unlink(missing_ok=True)
        folder = self._path(prefix)
        if prefix.endswith("/") and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)  # also hidden leftovers
        for parent in {self._path(key).parent for key in keys} | {folder.parent}:
            self._prune_empty_parents(parent)
        return len(keys)

    def write_parquet(
        self, key: str, table: pa.Table, partition_cols: list[str] | None = None
    ) -> None:
        """Write one snappy Parquet file at key, or replace a Hive-partitioned dataset at key/."""
        if not partition_cols:
            self._write_atomically(
                self._path(key), lambda tmp: pq.write_table(table, tmp, compression="snappy")
            )
            return
        final = self._path(key)
        work = self._hidden_sibling(final)
        try:
            import pyarrow.dataset as ds  # loads pandas: only for partitioned data

            ds.write_dataset(
                table,
                work,
                format="parquet",
                partitioning=partition_cols,
                partitioning_flavor="hive",
                basename_template="part-{i}.parquet",
                file_options=ds.ParquetFileFormat().make_write_options(compression="snappy"),
                existing_data_behavior="error",
            )
            self.swap_in(work, final)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def read_parquet(self, key: str) -> pa.Table:
        """Read one Parquet file, or every Parquet file under a prefix (Hive partitions too)."""
        path = self._path(key)
        if path.is_file():
            return pq.read_table(path)
        if not self.list(key.rstrip("/") + "/"):
            raise FileNotFoundError(f"no Parquet data at {key!r} in lake {self.root}")
        import pyarrow.dataset as ds  # loads pandas: only for partitioned data

        return ds.dataset(path, format="parquet", partitioning="hive").to_table()

    def publish(self, staging_prefix: str, final_prefix: str) -> None:
        """Swap a complete staged dataset into place (see `swap_in`)."""
        staged = self._path(staging_prefix)
        if not staged.is_dir():
            raise FileNotFoundError(f"nothing staged at {staging_prefix!r} to publish")
        self.swap_in(staged, self._path(final_prefix))

    def swap_in(self, staged: Path, final: Path) -> None:
        """Replace the folder `final` by `staged` so that readers always find one of them.

        Why: a folder cannot be replaced by one rename(2). Linux's renameat2 with
        RENAME_EXCHANGE swaps the two names in one step, so at every instant (a
        `kill -9` included) `final` holds the old or the new complete data; the old
        data, now at `staged`, is deleted afterwards. Where the call is missing the
        old folder is renamed aside first and put back if the second rename fails.
        """
        with self._publish_lock:
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists() and exchange(staged, final):
                shutil.rmtree(staged, ignore_errors=True)
                return
            aside = self._hidden_sibling(final) if final.exists() else None
            if aside is not None:
                os.replace(final, aside)
            try:
                os.replace(staged, final)
            except BaseException:
                if aside is not None:
                    os.replace(aside, final)
                raise
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)

    def _write_atomically(self, path: Path, write: Callable[[Path], object]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._hidden_sibling(path)
        try:
            write(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    @staticmethod
    def _hidden_sibling(path: Path) -> Path:
        return path.with_name(f".{path.name}.{uuid.uuid4().hex}{_TMP}")

    def _prune_empty_parents(self, folder: Path) -> None:
        while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
            try:
                folder.rmdir()
            except OSError:  # another writer just put something there
                return
            folder = folder.parent
