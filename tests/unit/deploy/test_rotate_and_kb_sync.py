"""The rotation handler's four steps and the Bedrock KB document sync, on in-process moto."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from engage.deploy import kb_sync, rotate  # noqa: E402


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        yield SimpleNamespace(secrets=boto3.client("secretsmanager"), s3=boto3.client("s3"))


def test_rotation_steps_make_a_new_current_key(aws: SimpleNamespace) -> None:
    arn = aws.secrets.create_secret(Name="token", SecretString="o" * 40)["ARN"]
    token = "11111111-2222-3333-4444-555555555555"
    aws.secrets.put_secret_value(  # what RotateSecret does before calling the Lambda
        SecretId=arn, ClientRequestToken=token, SecretString="placeholder-" * 4,
        VersionStages=["AWSPENDING"],
    )  # fmt: skip
    steps = ("createSecret", "setSecret", "testSecret", "finishSecret")
    for step in steps:
        event = {"Step": step, "SecretId": arn, "ClientRequestToken": token}
        assert rotate.rotate(aws.secrets, event) == step
    stages = aws.secrets.describe_secret(SecretId=arn)["VersionIdsToStages"]
    assert "AWSCURRENT" in stages[token]
    assert sum("AWSCURRENT" in s for s in stages.values()) == 1
    value = aws.secrets.get_secret_value(SecretId=arn, VersionId=token)["SecretString"]
    assert len(value) >= rotate.MIN_LENGTH
    again = {"Step": "finishSecret", "SecretId": arn, "ClientRequestToken": token}
    assert rotate.rotate(aws.secrets, again) == "finishSecret"  # idempotent


def test_rotation_refuses_an_unknown_version_and_step(aws: SimpleNamespace) -> None:
    arn = aws.secrets.create_secret(Name="token2", SecretString="o" * 40)["ARN"]
    with pytest.raises(ValueError, match="not staged"):
        rotate.rotate(aws.secrets, {"Step": "createSecret", "SecretId": arn,
                                    "ClientRequestToken": "nope"})  # fmt: skip
    with pytest.raises(ValueError, match="unknown rotation step"):
        rotate.rotate(aws.secrets, {"Step": "x", "SecretId": arn, "ClientRequestToken": "n"})


def test_kb_sync_replaces_documents_and_starts_ingestion(aws: SimpleNamespace) -> None:
    aws.s3.create_bucket(Bucket="kb-docs")
    aws.s3.put_object(Bucket="kb-docs", Key="documents/old.md", Body=b"stale")
    docs = [SimpleNamespace(source="model_metrics/churn", text="R2 0.9", model_version="v3"),
            SimpleNamespace(source="data dictionary", text="cols", model_version="")]  # fmt: skip
    started = []

    class Agent:
        def start_ingestion_job(self, **kwargs: str) -> dict:
            started.append(kwargs)
            return {"ingestionJob": {"ingestionJobId": "job-1"}}

    out = kb_sync.publish(aws.s3, "kb-docs", "run_7", docs, bedrock_agent=Agent(),
                          knowledge_base_id="KB1", data_source_id="DS1")  # fmt: skip
    keys = sorted(o["Key"] for o in aws.s3.list_objects_v2(Bucket="kb-docs")["Contents"])
    assert keys == ["documents/data_dictionary.md", "documents/data_dictionary.md.metadata.json",
                    "documents/model_metrics_churn.md",
                    "documents/model_metrics_churn.md.metadata.json"]  # fmt: skip
    assert (out["bedrock_documents"], out["removed"], out["ingestion_job_id"]) == (2, 1, "job-1")
    assert started == [{"knowledgeBaseId": "KB1", "dataSourceId": "DS1"}]
    meta = aws.s3.get_object(Bucket="kb-docs", Key="documents/model_metrics_churn.md.metadata.json")
    assert b'"run_id": "run_7"' in meta["Body"].read()
