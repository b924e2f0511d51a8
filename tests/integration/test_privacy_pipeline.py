"""Privacy on a real lake: one pipeline run over 600 generated customers, then the commands.

The run is captured whole (every logger at DEBUG, Python and file-descriptor level
stdout/stderr, warnings) so its output can be searched for PII. Tests that change the
lake restore it *in place* afterwards: the catalog's views name lake files by
absolute path, so a copy elsewhere would read the original's files.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import logging
import os
import re
import shutil
import stat
import sys
import tempfile
import uuid
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from engage import bootstrap, lake
from engage.cli import app
from engage.data import generate
from engage.orchestrate import run_pipeline
from engage.privacy.erasure_log import TABLE as ERASURE_TABLE
from engage.privacy.erasure_log import ErasureLog
from engage.privacy.forget import forget_customer
from engage.privacy.pii import (
    EMAIL,
    MASKED_EMAIL,
    MASKED_SUFFIX,
    looks_like_pii,
    mask_email,
    pii_column_names,
)
from engage.privacy.tokens import TokenKeys, load_tokenizer
from engage.qa.feedback import corrected_labels
from engage.settings import Settings

ROWS = 600  # enough that some customers are not in the 400-row QA queue
SEED = 11
RESTRICTED = "engagement_restricted."
runner = CliRunner()
MARKERS = ("marker-log-debug", "marker-python-stdout", "marker-fd-stderr")


def no_wait(seconds: float) -> None:
    """Retry waits take no time in tests."""


@contextmanager
def everything_captured() -> Iterator[list[str]]:
    """All output of the block: every logger at DEBUG, sys.stdout/err, fds 1 and 2, warnings."""
    out: list[str] = []
    logs, py_out, py_err = io.StringIO(), io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(logs)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
        if lg.propagate is False:
            lg.addHandler(handler)
    logging.getLogger().addHandler(handler)
    sys.stdout.flush()
    sys.stderr.flush()
    fds = os.dup(1), os.dup(2)
    with (
        tempfile.TemporaryFile() as fd_file,
        redirect_stdout(py_out),
        redirect_stderr(py_err),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        os.dup2(fd_file.fileno(), 1)
        os.dup2(fd_file.fileno(), 2)
        try:
            yield out
        finally:
            os.dup2(fds[0], 1)
            os.dup2(fds[1], 2)
            os.close(fds[0])
            os.close(fds[1])
            for lg, level, disabled in saved:
                lg.setLevel(level)
                lg.disabled = disabled
                lg.removeHandler(handler)
            fd_file.seek(0)
            out += [logs.getvalue(), py_out.getvalue(), py_err.getvalue()]
            out += [fd_file.read().decode("utf-8", "replace")]
            out += [str(w.message) for w in caught]


@dataclass
class World:
    source: Path
    lake: Path
    pristine: Path
    prep: dict[str, Any]
    output: str

    def settings(self) -> Settings:
        return Settings(lake=str(self.lake), data_dir=self.source)

    def restore(self) -> None:
        self.lake.rename(self.lake.with_name(f"discarded-{uuid.uuid4().hex}"))
        shutil.copytree(self.pristine, self.lake)

    def tables(self) -> dict[str, pa.Table]:
        """Every catalog table and view, read whole."""
        engine = bootstrap.sql_engine(self.settings(), read_only=True)
        try:
            return {n: engine.query(f"SELECT * FROM {n}") for n in engine.tables()}
        finally:
            engine.close()  # type: ignore[attr-defined]

    def pii(self) -> list[dict[str, str]]:
        return pq.read_table(self.source / "customer_pii.parquet").to_pylist()

    def finder(self) -> PiiFinder:
        return PiiFinder(self.pii())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("privacy")
    source, lake_dir = root / "data", root / "lake"
    generate(ROWS, SEED, source, formats=("parquet",))
    with everything_captured() as captured:
        logging.getLogger("engage.test").debug(MARKERS[0])
        print(MARKERS[1])
        os.write(2, (MARKERS[2] + "\n").encode())
        run = run_pipeline(Settings(lake=str(lake_dir), data_dir=source), sleep=no_wait)
    assert run.succeeded, run.result.cause
    shutil.copytree(lake_dir, root / "pristine")
    prep = run.stage_results()["DataPreparation"]
    return World(source, lake_dir, root / "pristine", prep, "\n".join(captured))


@pytest.fixture
def lake_env(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The world's lake as ENGAGE_LAKE for the CLI; put back as it was afterwards."""
    monkeypatch.setenv("ENGAGE_LAKE", str(world.lake))
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(world.source))
    monkeypatch.delenv("ENGAGE_TOKEN_KEY", raising=False)
    yield world
    world.restore()


def string_arrays(array: pa.Array | pa.ChunkedArray) -> Iterator[pa.Array]:
    """Every string array inside a column (list elements and struct fields included)."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    for chunk in chunks:
        kind = chunk.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            yield chunk
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
            yield from string_arrays(chunk.flatten())
        elif pa.types.is_struct(kind):
            for i in range(kind.num_fields):
                yield from string_arrays(chunk.field(i))


def holds(table: pa.Table, needle: str) -> bool:
    """Whether any string anywhere in the table contains needle."""
    return any(
        pc.any(pc.match_substring(a, needle)).as_py()
        for column in table.columns
        for a in string_arrays(column)
    )


def distinct_strings(table: pa.Table) -> list[str]:
    return [v for c in table.columns for a in string_arrays(c) for v in a.unique().to_pylist() if v]


class PiiFinder:
    """The generated PII values, found whole, inside longer text, or by their shape."""

    def __init__(self, pii: list[dict[str, str]]) -> None:
        self.names = {r["full_name"] for r in pii}
        self.addresses = {r["email"] for r in pii} | {r["email"].split("@")[0] for r in pii}

    def hits(self, text: str) -> list[str]:
        words = re.findall(r"[A-Za-z'-]+", text)
        runs = {" ".join(words[i : i + n]) for n in (2, 3) for i in range(len(words) - n + 1)}
        found = sorted(runs & self.names)
        found += sorted(set(re.findall(r"[\w.+-]+", text)) & self.addresses)
        return found + [m.group(0) for m in EMAIL.finditer(text)]

    def value_hits(self, values: list[str]) -> list[str]:
        return [v for v in values if looks_like_pii(v) or self.hits(v)]


def file_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _queued(world: World) -> list[str]:
    return world.tables()["engagement_qa.human_review"].column("customer_id").to_pylist()


# -- A. PII stays in the restricted area ----------------------------------------------------


def test_pii_is_admitted_only_to_the_restricted_area(world: World) -> None:
    assert world.prep["pii_records"] == ROWS and world.prep["suppressed_customers"] == 0
    pii = world.tables()["engagement_restricted.customer_pii"]
    assert sorted(pii.to_pylist(), key=lambda r: r["customer_id"]) == sorted(
        world.pii(), key=lambda r: r["customer_id"]
    )
    restricted = world.lake / lake.RESTRICTED
    assert stat.S_IMODE(restricted.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in restricted.rglob("*.parquet"))
    key_file = world.settings().resolved_token_key_path()
    assert key_file.parent == world.lake and stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_no_table_or_view_outside_the_restricted_schema_holds_pii(world: World) -> None:
    finder = world.finder()
    tables = world.tables()
    scanned = [n for n in tables if not n.startswith(RESTRICTED)]
    for name in scanned:
        table = tables[name]
        assert not pii_column_names(table.column_names), name
        for column in table.column_names:
            values = distinct_strings(table.select([column]))
            if column.endswith(MASKED_SUFFIX):
                assert values and all(MASKED_EMAIL.match(v) for v in values), (name, column)
                continue
            hits = finder.value_hits(values)
            assert not hits, (name, column, hits[:3])
    expected = {
        "engagement_raw.customers", "engagement_raw.training_data", "engagement_raw.test_data",
        "engagement_raw.inference_input", "engagement_raw.interactions",
        "engagement_predictions.predictions", "engagement_predictions.engagement_scores",
        "engagement_predictions.churn_scores", "engagement_predictions.ltv_scores",
        "engagement_predictions.recommendation_scores", "engagement_predictions.anomaly_scores",
        "engagement_qa.human_review", "engagement_qa.anomaly_review",
        "engagement_analytics.final_results", "engagement_analytics.high_value_customers",
        "engagement_analytics.at_risk_customers", "engagement_analytics.customer_support_view",
    }  # fmt: skip
    assert expected <= set(scanned)
    # The same scan does see PII where it is: the restricted table trips it.
    pii = tables["engagement_restricted.customer_pii"]
    assert pii_column_names(pii.column_names) == ["full_name", "email"]
    names = pii.column("full_name").to_pylist()
    assert sum(looks_like_pii(v) for v in names) / len(names) > 0.95
    assert all(looks_like_pii(v) for v in pii.column("email").to_pylist())


def test_no_lake_file_outside_the_restricted_area_holds_pii(world: World) -> None:
    finder = world.finder()
    checked = 0
    for path in sorted(world.lake.rglob("*")):
        rel = path.relative_to(world.lake).as_posix()
        if not path.is_file() or rel.startswith(lake.RESTRICTED):
            continue
        if path.suffix == ".parquet":
            hits = finder.value_hits(distinct_strings(pq.read_table(path)))
        elif zipfile.is_zipfile(path):  # skops: scan the members, not compressed bytes
            with zipfile.ZipFile(path) as archive:
                hits = [
                    h
                    for member in archive.namelist()
                    if not member.endswith(".npy")  # numeric arrays, not text
                    for h in finder.hits(archive.read(member).decode("utf-8", "ignore"))
                ]
        else:
            hits = finder.hits(path.read_bytes().decode("utf-8", "ignore"))
        assert not hits, (rel, hits[:3])
        checked += 1
    assert checked > 50


def test_the_support_view_is_masked_and_tokenised(world: World) -> None:
    view = world.tables()["engagement_analytics.customer_support_view"]
    assert "customer_id" not in view.column_names and view.num_rows == ROWS
    tokenizer = load_tokenizer(world.settings(), create=False)
    expected = {tokenizer.token(r["customer_id"]): mask_email(r["email"]) for r in world.pii()}
    rows = view.to_pylist()
    assert {r["customer_token"]: r["email_masked"] for r in rows} == expected
    assert all(re.fullmatch(r"[a-z]\*\*\*@example\.(com|net|org)", r["email_masked"]) for r in rows)


def test_a_full_run_logs_no_pii(world: World) -> None:
    assert all(marker in world.output for marker in MARKERS)  # every channel was captured
    assert not world.finder().hits(world.output)
    assert not [line for line in world.output.splitlines() if looks_like_pii(line)]


# -- B. data-subject rights ------------------------------------------------------------------


def _canonical(table: pa.Table) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in table.to_pylist())


def test_forget_removes_every_trace_and_keeps_every_other_row(lake_env: World) -> None:
    world = lake_env
    queued = _queued(world)
    anomalies = set(
        world.tables()["engagement_qa.anomaly_review"].column("customer_id").to_pylist()
    )
    victim = next(c for c in queued if c in anomalies)
    other = next(c for c in queued if c != victim)
    for customer, args in ((victim, ["--value", "0.3"]), (other, ["--value", "0.7"])):
        review = ["qa", "review", customer, "--status", "overridden", "--note", "off", *args]
        assert runner.invoke(app, review).exit_code == 0
    before = world.tables()
    token = load_tokenizer(world.settings(), create=False).token(victim)

    result = runner.invoke(app, ["forget", victim, "--by", "dpo"])
    assert result.exit_code == 0, result.output
    after = world.tables()

    removed = {}
    for name, table in before.items():
        key = next((k for k in ("customer_id", "customer_token") if k in table.column_names), None)
        if key is None:
            if name not in ("engagement_analytics.model_performance", ERASURE_TABLE):
                assert _canonical(after[name]) == _canonical(table), name
            continue
        value = victim if key == "customer_id" else token
        mine = [r for r in table.to_pylist() if r[key] == value]
        others = table.filter(pc.not_equal(table.column(key), value))
        assert after[name].num_rows == table.num_rows - len(mine), name
        assert _canonical(after[name]) == _canonical(others), name
        if mine and name not in lake.VIEWS:
            removed[name] = len(mine)
    assert {
        "engagement_raw.customers", "engagement_restricted.customer_pii",
        "engagement_qa.review_decisions", "engagement_analytics.customer_support_view",
        "engagement_raw.interactions", "engagement_predictions.ltv_scores",
    } <= set(removed)  # fmt: skip

    for name, table in after.items():  # every catalog table and view
        assert not holds(table, victim), name
    for path in world.lake.rglob("*"):  # the recommender's saved versions included
        rel = path.relative_to(world.lake).as_posix()
        if path.suffix == ".parquet":
            assert not holds(pq.read_table(path), victim), rel
        elif path.is_file():
            assert victim.encode() not in path.read_bytes(), rel

    log = ErasureLog(bootstrap.object_store(world.settings())).records()
    assert [r["event"] for r in log] == ["started", "completed"]
    assert {r["subject_token"] for r in log} == {token} and log[1]["erased_by"] == "dpo"
    assert log[1]["rows_by_table"] == removed and log[1]["total_rows"] == sum(removed.values())
    assert {"prediction_cache", "audit_trail"} <= set(log[1]["hooks"])
    assert not [h for h, outcome in log[1]["hooks"].items() if outcome.startswith("failed")]
    for path in (world.lake / lake.ERASURE_LOG).iterdir():
        assert victim.encode() not in path.read_bytes()
        assert not holds(pq.read_table(path), victim)
    labels = corrected_labels(bootstrap.object_store(world.settings()))
    assert labels["customer_id"].tolist() == [other]

    again = runner.invoke(app, ["forget", victim])
    assert again.exit_code == 0 and "Already erased" in again.stdout
    gone = runner.invoke(app, ["export", victim])
    assert gone.exit_code == 1 and "erased" in gone.stderr


def test_an_erased_customer_does_not_come_back_on_the_next_run(lake_env: World) -> None:
    world = lake_env
    victim = _queued(world)[0]
    settings = world.settings()
    store = bootstrap.object_store(settings)
    hooks = bootstrap.privacy_hooks(settings, store)
    keys = TokenKeys(settings)
    forget_customer(store, bootstrap.catalog(settings), hooks, keys, victim, "dpo")
    run = run_pipeline(world.settings(), sleep=no_wait)
    assert run.succeeded, run.result.cause
    prep = run.stage_results()["DataPreparation"]
    assert prep["suppressed_customers"] == 1
    assert prep["raw_records"] == ROWS - 1 and prep["pii_records"] == ROWS - 1
    token = load_tokenizer(world.settings(), create=False).token(victim)
    for name, table in world.tables().items():
        assert not holds(table, victim), name
        assert not holds(table, token) or name == "engagement_restricted.erasure_log", name
    assert world.tables()["engagement_raw.customers"].num_rows == ROWS - 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["forget", "CUST_9999999"], "no table of the lake holds customer CUST_9999999"),
        (["forget", "CUST_9999999", "--dry-run"], "no table of the lake holds customer"),
        (["export", "CUST_9999999"], "no table of the lake holds customer CUST_9999999"),
        (["forget", "../CUST_1"], "not a customer id"),
        (["export", "CUST_1' OR '1'='1"], "not a customer id"),
    ],
)
def test_unknown_or_malformed_customers_change_nothing(
    lake_env: World, args: list[str], message: str
) -> None:
    before = file_hashes(lake_env.lake)
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and message in result.stderr
    assert file_hashes(lake_env.lake) == before


def test_forget_dry_run_changes_nothing(lake_env: World) -> None:
    before = file_hashes(lake_env.lake)
    result = runner.invoke(app, ["forget", _queued(lake_env)[0], "--dry-run"])
    assert result.exit_code == 0 and "Dry run" in result.stdout
    assert "engagement_raw.customers" in result.stdout
    assert file_hashes(lake_env.lake) == before


def test_export_holds_everything_about_the_customer(lake_env: World, tmp_path: Path) -> None:
    world = lake_env
    customer = _queued(world)[0]
    out = tmp_path / "export.json"
    result = runner.invoke(app, ["export", customer, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = json.loads(out.read_text())
    pii = next(r for r in world.pii() if r["customer_id"] == customer)
    assert data["customer_id"] == customer and data["pii"] == pii
    assert data["raw"]["customer_id"] == customer and "engagement_score" in data["raw"]
    interactions = pq.read_table(world.source / "interactions.parquet").to_pylist()
    assert len(data["interactions"]) == sum(r["customer_id"] == customer for r in interactions)
    assert set(data["predictions"]) == {"engagement", "churn", "ltv", "recommendation", "anomaly"}
    assert all(p["model_version"].startswith("v") for p in data["predictions"].values())
    assert data["unified_prediction"]["engagement_model_version"] == "v1"
    assert data["qa"]["human_review"][0]["review_status"] == "pending"
    assert data["results"]["location"] == data["raw"]["location"]
    assert data["support_view"]["email_masked"] == mask_email(pii["email"])
    assert "inference_input" in data["processed"]
    if importlib.util.find_spec("engage.audit") is not None:  # the audit trail's own hook
        assert all(e["customer_id"] == customer for e in data["audit_trail"])


# -- C. human review loop --------------------------------------------------------------------


def test_the_review_loop_records_decisions_and_refuses_bad_ones(lake_env: World) -> None:
    world = lake_env
    queued = _queued(world)
    all_ids = world.tables()["engagement_raw.customers"].column("customer_id").to_pylist()
    not_queued = next(c for c in all_ids if c not in set(queued))
    decisions = world.lake / lake.REVIEW_DECISIONS

    pending = runner.invoke(app, ["qa", "list", "--status", "pending", "--limit", "1"])
    assert pending.exit_code == 0 and f"{len(queued)} entries" in pending.stdout
    bad = [
        (["CUST_9999999", "--status", "approved", "--note", "ok"], "unknown customer"),
        ([not_queued, "--status", "approved", "--note", "ok"], "not in the QA queue"),
        ([queued[0], "--status", "overridden", "--note", "x"], "--value is required"),
        ([queued[0], "--status", "overridden", "--note", "x", "--value", "1.5"],
         "outside the engagement_score range"),
        ([queued[0], "--status", "approved", "--note", "x", "--value", "0.5"],
         "only for --status overridden"),
        (["nobody", "--status", "approved", "--note", "x"], "not a customer id"),
    ]  # fmt: skip
    for args, message in bad:
        result = runner.invoke(app, ["qa", "review", *args])
        assert result.exit_code == 1 and message in result.stderr, (args, result.output)
    assert (
        runner.invoke(
            app, ["qa", "review", queued[0], "--status", "maybe", "--note", "x"]
        ).exit_code
        == 2
    )
    assert not decisions.exists()

    ok = runner.invoke(
        app, ["qa", "review", queued[0], "--status", "approved", "--note", "fine", "--by", "ann"]
    )
    assert ok.exit_code == 0 and "Recorded approved" in ok.stdout
    over = [
        "qa",
        "review",
        queued[1],
        "--status",
        "overridden",
        "--note",
        "too low",
        "--value",
        "0.9",
    ]
    assert runner.invoke(app, over).exit_code == 0
    assert "engagement_qa.review_decisions" in world.tables()
    approved = runner.invoke(app, ["qa", "list", "--status", "approved"])
    assert "1 entry" in approved.stdout and "ann" in approved.stdout
    still = runner.invoke(app, ["qa", "list", "--status", "pending", "--limit", "0"])
    assert f"{len(queued) - 2} entries" in still.stdout
    labels = corrected_labels(bootstrap.object_store(world.settings()))
    assert labels.to_dict("records") == [{"customer_id": queued[1], "engagement_score": 0.9}]


# -- retention -------------------------------------------------------------------------------


def test_retention_keeps_the_served_model_and_the_current_run(lake_env: World) -> None:
    world = lake_env
    store = bootstrap.object_store(world.settings())
    served = json.loads(store.get_bytes(f"{lake.MODELS}churn/latest.json"))["version"]
    old = "2020-01-01T00:00:00+00:00"
    meta = json.loads(store.get_bytes(f"{lake.MODELS}churn/{served}/metadata.json"))
    store.put_bytes(
        f"{lake.MODELS}churn/{served}/metadata.json",
        json.dumps({**meta, "created_at": old}).encode(),
    )
    for version, created in (("v8", old), ("v9", meta["created_at"])):  # unserved: old, newest
        for key in store.list(f"{lake.MODELS}churn/{served}/"):
            store.put_bytes(key.replace(f"/{served}/", f"/{version}/"), store.get_bytes(key))
        store.put_bytes(
            f"{lake.MODELS}churn/{version}/metadata.json",
            json.dumps({**meta, "created_at": created}).encode(),
        )
    old_run = "run_20200101T000000Z_abcdef"
    store.put_bytes(f"{lake.RUNS}{old_run}.json", b"{}")
    store.put_bytes(lake.report_key(old_run, "inference.json"), b"{}")
    runs_before = store.list(lake.RUNS)

    before = file_hashes(world.lake)
    dry = runner.invoke(app, ["retention", "--days", "90", "--dry-run"])
    assert dry.exit_code == 0 and "would be deleted" in dry.stdout
    assert file_hashes(world.lake) == before

    result = runner.invoke(app, ["retention", "--days", "90"])
    assert result.exit_code == 0 and "Deleted 3 item(s)" in result.stdout, result.stdout
    assert not store.exists(f"{lake.MODELS}churn/v8/") and store.exists(f"{lake.MODELS}churn/v9/")
    assert store.exists(f"{lake.MODELS}churn/{served}/metadata.json")
    assert store.list(lake.RUNS) == [k for k in runs_before if old_run not in k]
    assert not store.exists(f"{lake.REPORTS}{old_run}/")
    assert runner.invoke(app, ["retention", "--days", "0"]).exit_code == 1
