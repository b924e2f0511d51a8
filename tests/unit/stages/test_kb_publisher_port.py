"""The knowledge-base stage publishes to the deployed KB through a port that the
composition root provides; the stage itself builds no AWS client."""

from __future__ import annotations

from typing import Any

from engage import bootstrap
from engage.adapters.store.local import LocalObjectStore
from engage.settings import Settings
from engage.stages import knowledge_base
from engage.stages.services import Services


class FakePublisher:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Any]]] = []

    def publish(self, run_id: str, docs) -> dict[str, Any]:
        self.calls.append((run_id, list(docs)))
        return {"bedrock_documents": len(self.calls[-1][1])}


def _stub_agent(monkeypatch) -> None:
    from engage.agent import kb, tools

    monkeypatch.setattr(tools, "Tools", lambda *a, **k: object())
    monkeypatch.setattr(kb, "build", lambda store, run_id, t, embedder: {"chunks": 2})
    monkeypatch.setattr(kb, "documents", lambda t: ["doc-a", "doc-b"])


def test_the_stage_publishes_through_the_port_it_is_given(tmp_path, monkeypatch) -> None:
    _stub_agent(monkeypatch)
    publisher = FakePublisher()
    settings = Settings(lake=str(tmp_path / "lake"))
    services = Services(settings, LocalObjectStore(tmp_path / "lake"), kb_publisher=publisher)
    monkeypatch.setattr(Services, "embedder", lambda self: None)
    out = knowledge_base.run({"run_id": "run_1"}, services)
    assert publisher.calls == [("run_1", ["doc-a", "doc-b"])]
    assert out["bedrock_documents"] == 2 and out["knowledge_base_status"] == "success"


def test_without_a_publisher_only_the_lake_kb_is_built(tmp_path, monkeypatch) -> None:
    _stub_agent(monkeypatch)
    services = Services(Settings(lake=str(tmp_path / "lake")), LocalObjectStore(tmp_path / "l"))
    monkeypatch.setattr(Services, "embedder", lambda self: None)
    out = knowledge_base.run({"run_id": "run_1"}, services)
    assert "bedrock_documents" not in out and out["chunks"] == 2


def test_the_composition_root_builds_the_bedrock_publisher_only_when_deployed(tmp_path) -> None:
    assert bootstrap.kb_publisher(Settings(lake=str(tmp_path))) is None
    publisher = bootstrap.kb_publisher(Settings(lake=str(tmp_path), kb_bucket="kb-docs"))
    assert type(publisher).__name__ == "BedrockPublisher"
