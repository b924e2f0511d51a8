"""LocalObjectStore: key safety, Parquet round trips, listing and atomic publish."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from engage.adapters.store import InvalidKeyError, LocalObjectStore, local
from engage.ports import ObjectStore


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "lake")


def _table(n: int = 6, tag: str = "new") -> pa.Table:
    return pa.table(
        {
            "customer_id": [f"CUST_{i}" for i in range(n)],
            "tag": [tag] * n,
            "location": ["NY", "CA"] * (n // 2),
            "account_type": ["free", "free", "premium"] * (n // 3),
        }
    )


def _hidden_files(root: Path) -> list[str]:
    return [p.name for p in root.rglob(".*")]


def test_implements_the_port(store: LocalObjectStore) -> None:
    assert isinstance(store, ObjectStore)


@pytest.mark.parametrize(
    "key", ["/etc/passwd", "../outside", "a/../../b", "a/./b", "a\\b", "", "C:/x", "a\x00b"]
)
def test_unsafe_keys_are_refused(store: LocalObjectStore, key: str) -> None:
    with pytest.raises(InvalidKeyError):
        store.put_bytes(key, b"x")


def test_bytes_round_trip_and_listing(store: LocalObjectStore) -> None:
    store.put_bytes("engagement-runs/r1/state.json", b"{}")
    store.put_bytes("engagement-runs/r2/state.json", b"[]")
    store.put_bytes("engagement-models/m.json", b"1")

    assert store.get_bytes("engagement-runs/r2/state.json") == b"[]"
    assert store.list("engagement-runs/") == [
        "engagement-runs/r1/state.json",
        "engagement-runs/r2/state.json",
    ]
    assert store.list("engagement-runs/r1") == ["engagement-runs/r1/state.json"]
    assert store.list("nothing/") == []
    assert store.exists("engagement-runs/") and store.exists("engagement-models/m.json")
    assert not store.exists("engagement-runs/r3/state.json")
    assert store.uri("engagement-runs/").endswith("/lake/engagement-runs/")
    with pytest.raises(FileNotFoundError, match="no object"):
        store.get_bytes("engagement-runs/missing")


def test_failed_put_leaves_old_bytes_and_no_temp_file(
    store: LocalObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put_bytes("a/b.json", b"old")

    def boom(self: Path, data: bytes) -> int:
        with self.open("wb") as f:
            f.write(data[:1])  # a half-written temp file
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_bytes", boom)
    with pytest.raises(OSError, match="disk full"):
        store.put_bytes("a/b.json", b"new")
    monkeypatch.undo()
    assert store.get_bytes("a/b.json") == b"old"
    assert _hidden_files(store.root) == []


def test_single_parquet_round_trip(store: LocalObjectStore) -> None:
    store.write_parquet("engagement-data/raw/customers/customers.parquet", _table())
    back = store.read_parquet("engagement-data/raw/customers/customers.parquet")
    assert back.equals(_table())
    assert store.read_parquet("engagement-data/raw/customers/").num_rows == 6


def test_partitioned_write_makes_hive_folders_and_replaces(store: LocalObjectStore) -> None:
    store.write_parquet("results/final", _table(tag="old"), ["location", "account_type"])
    store.write_parquet("results/final", _table(tag="new"), ["location", "account_type"])

    folders = {k.rsplit("/", 1)[0] for k in store.list("results/final/")}
    assert folders == {
        "results/final/location=NY/account_type=free",
        "results/final/location=NY/account_type=premium",
        "results/final/location=CA/account_type=free",
        "results/final/location=CA/account_type=premium",
    }
    back = store.read_parquet("results/final/")
    assert back.num_rows == 6 and set(back["tag"].to_pylist()) == {"new"}
    assert {"location", "account_type"} <= set(back.column_names)
    assert _hidden_files(store.root) == []


def test_delete_prefix_counts_and_prunes(store: LocalObjectStore) -> None:
    store.write_parquet("results/final", _table(), ["location"])
    store.put_bytes("results/keep.json", b"1")
    assert store.delete_prefix("results/final/") == 2
    assert store.list("results/") == ["results/keep.json"]
    assert not (store.root / "results" / "final").exists()
    assert store.delete_prefix("results/final/") == 0


def test_publish_swaps_staged_dataset_in(store: LocalObjectStore) -> None:
    store.write_parquet("final/part-0.parquet", _table(tag="old"))
    store.write_parquet("_staging/t/1/part-0.parquet", _table(tag="new"))
    store.publish("_staging/t/1/", "final/")
    assert set(store.read_parquet("final/")["tag"].to_pylist()) == {"new"}
    assert store.list("_staging/") == [] and _hidden_files(store.root) == []
    with pytest.raises(FileNotFoundError, match="nothing staged"):
        store.publish("_staging/t/2/", "final/")


def test_failure_before_publish_keeps_old_dataset(
    store: LocalObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write_parquet("final", _table(tag="old"), ["location"])

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("writer crashed")

    monkeypatch.setattr(ds, "write_dataset", crash)
    with pytest.raises(RuntimeError, match="writer crashed"):
        store.write_parquet("final", _table(tag="new"), ["location"])
    assert set(store.read_parquet("final/")["tag"].to_pylist()) == {"old"}
    assert _hidden_files(store.root) == []


def test_publish_swaps_in_one_step_where_renameat2_exists(
    store: LocalObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No moment without data: the swap never renames the old folder aside first."""
    if local._libc() is None:
        pytest.skip("no renameat2 on this system")
    store.write_parquet("final/part-0.parquet", _table(tag="old"))
    store.write_parquet("_staging/t/1/part-0.parquet", _table(tag="new"))

    def no_rename(src: object, dst: object) -> None:
        raise AssertionError(f"two-step rename used: {src} -> {dst}")

    monkeypatch.setattr(os, "replace", no_rename)
    store.publish("_staging/t/1/", "final/")
    assert set(store.read_parquet("final/")["tag"].to_pylist()) == {"new"}
    assert not (store.root / "_staging" / "t" / "1").exists()  # the old data went


def test_failed_swap_puts_old_dataset_back(
    store: LocalObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "exchange", lambda a, b: False)  # the two-rename fallback
    store.write_parquet("final/part-0.parquet", _table(tag="old"))
    store.write_parquet("_staging/t/1/part-0.parquet", _table(tag="new"))
    real_replace = os.replace
    calls: list[object] = []

    def flaky_replace(src: object, dst: object) -> None:
        calls.append(src)
        if len(calls) == 2:  # renaming the staged data into place fails
            raise OSError("rename failed")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(OSError, match="rename failed"):
        store.publish("_staging/t/1/", "final/")
    assert set(store.read_parquet("final/")["tag"].to_pylist()) == {"old"}
