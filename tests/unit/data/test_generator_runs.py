"""Determinism, chunking, atomic output and argument errors."""

import json

import pyarrow.parquet as pq
import pytest

from engage.data import generate, generator
from engage.data.generator import GenerationError


def read(out, name):
    return pq.read_table(out / f"{name}.parquet")


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    a = generate(1_500, 3, tmp_path / "a", formats=["parquet"])
    generate(1_500, 3, tmp_path / "b", formats=["parquet"])
    generate(1_500, 4, tmp_path / "c", formats=["parquet"])
    for name in a.tables:
        assert read(tmp_path / "a", name).equals(read(tmp_path / "b", name)), name
    assert not read(tmp_path / "a", "customers").equals(read(tmp_path / "c", "customers"))


def test_communities_stream_in_chunks_with_continuous_ids(tmp_path, monkeypatch):
    monkeypatch.setattr(generator, "COMMUNITY_SIZE", 1_000)
    seen = []
    summary = generate(2_500, 1, tmp_path / "d", ["parquet"], on_chunk=lambda d, t: seen.append(d))
    assert seen == [1_000, 2_000, 2_500]
    ids = read(tmp_path / "d", "customers").column("customer_id").to_pylist()
    assert ids == [f"CUST_{i:07d}" for i in range(1, 2_501)]
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    assert manifest["tables"] == summary.tables and manifest["rows"] == 2_500


def test_failed_generation_keeps_the_previous_output(tmp_path, monkeypatch):
    out = tmp_path / "keep"
    generate(1_000, 1, out, ["parquet"])
    before = read(out, "customers")
    monkeypatch.setattr(generator, "COMMUNITY_SIZE", 500)
    calls = {"n": 0}
    real = generator.generate_chunk

    def flaky(spec):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real(spec)

    monkeypatch.setattr(generator, "generate_chunk", flaky)
    with pytest.raises(RuntimeError):
        generate(1_000, 2, out, ["parquet"])
    assert read(out, "customers").equals(before)
    assert [p.name for p in tmp_path.iterdir()] == ["keep"]


@pytest.mark.parametrize(
    ("rows", "formats", "message"),
    [
        (0, ["parquet"], "positive"),
        (-5, ["parquet"], "positive"),
        (10**12, ["parquet"], "over the limit"),
        (10, ["xml"], "formats"),
    ],
)
def test_bad_arguments_are_refused_clearly(tmp_path, rows, formats, message):
    with pytest.raises(GenerationError, match=message):
        generate(rows, 1, tmp_path / "x", formats)
    assert not (tmp_path / "x").exists()


def test_output_path_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file"
    target.write_text("not a dir")
    with pytest.raises(GenerationError, match="not a directory"):
        generate(10, 1, target, ["parquet"])
