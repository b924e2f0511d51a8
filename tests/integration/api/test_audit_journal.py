"""The audit journal: what a live process holds is never replayed; torn lines are skipped."""

from __future__ import annotations

from engage.audit import AuditRecord
from engage.audit_journal import AuditJournal, read_segment, recover


def rec(cid: str) -> AuditRecord:
    return AuditRecord("api", cid, "churn", "v1", "h" * 64, '{"p": 1}')


def test_live_segments_are_left_alone_and_dead_ones_replayed(tmp_path) -> None:
    live = AuditJournal(tmp_path)
    live.append([rec("A"), rec("B")])
    got: list[dict] = []
    assert recover(tmp_path, lambda rows: got.extend(rows) or len(rows)) == 0  # still held
    dead = tmp_path / "4242-deadbeef0000.jsonl"
    dead.write_bytes(live._path.read_bytes() + b'{"source": "api", "custo')  # torn tail
    assert recover(tmp_path, lambda rows: got.extend(rows) or len(rows)) == 2
    assert [r["customer_id"] for r in got] == ["A", "B"] and not dead.exists()
    segment = live.rotate()
    assert len(read_segment(segment[1])) == 2
    AuditJournal.release(segment)
    live.close()
    assert not list(tmp_path.glob("*.jsonl"))
