"""The packaged definition and its helpers: render, validate, task names."""

from __future__ import annotations

import copy

import pytest

from engage.pipeline.asl import (
    DefinitionError,
    PlaceholderError,
    iter_states,
    load_definition,
    local_values,
    placeholders,
    render,
    task_name,
    task_names,
    validate,
)

MODELS = ["engagement", "churn", "ltv", "recommendation", "anomaly"]
EXPECTED_TASKS = [
    "pre-cleanup",
    "data-prep",
    "sentiment-scoring",  # between data preparation and training (issue 18)
    *(f"{m}-training" for m in MODELS),
    "data-validation",
    "segmentation",  # AdvancedAnalytics branch (issue 17), in chain order
    "network-analysis",
    "premium-uplift",
    "next-best-action",  # NextBestAction branch (issue 18 item 2)
    "engagement-forecast",  # EngagementForecast branch (issue 18), the last branch
    "inference",  # inside the ScoreShards Distributed Map, once per shard (issue 19)
    "merge-shard-scores",
    "ensemble-predictions",
    "create-qa-table",
    "create-results-table",
    "update-knowledge-base",
]


def test_packaged_definition_validates_and_names_every_task() -> None:
    definition = load_definition()
    validate(definition)
    assert task_names(definition) == EXPECTED_TASKS
    assert task_names(render(definition, local_values())) == EXPECTED_TASKS


def test_packaged_definition_keeps_seed_result_paths_and_catches() -> None:
    states = load_definition()["States"]
    result_paths = {n: s.get("ResultPath") for n, s in states.items() if "ResultPath" in s}
    assert result_paths == {
        "PreCleanup": "$.cleanup",
        "DataPreparation": "$.data_prep",
        "SentimentScoring": "$.sentiment",
        "ModelEnsemble": "$.ensemble",
        "UpdateKnowledgeBase": "$.knowledge_base",
        "ParallelTrainingAndValidation": "$.parallel_training",
        "ScoreShards": "$.shard_scores",
        "MergeShardScores": "$.inference",
        "ParallelTableCreation": "$.parallel_tables",
    }
    for name, state in states.items():
        if state["Type"] in ("Task", "Parallel", "Map"):
            assert state["Catch"][0]["Next"] == "PipelineFailed", name
    assert states["PipelineFailed"]["Type"] == "Fail"


def test_local_render_leaves_no_placeholder_and_makes_lists() -> None:
    definition = load_definition()
    assert placeholders(definition) == set(local_values())
    rendered = render(definition, local_values())
    assert placeholders(rendered) == set()
    shard_task = rendered["States"]["ScoreShards"]["ItemProcessor"]["States"]["InferenceTask"]
    params = shard_task["Parameters"]
    assert params["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] == ["subnet-local"]
    assert params["Cluster"] == "engagement-ml-cluster"
    arn = rendered["States"]["PreCleanup"]["Resource"]
    assert arn == "arn:aws:lambda:us-east-1:000000000000:function:pre-cleanup-lambda"


def test_scoring_is_a_distributed_map_over_the_shard_manifest() -> None:
    """Issue 19: per-customer scoring runs as a Distributed Map whose items are the shards
    data preparation lists; a failed shard is retried alone and none is tolerated, so a
    partial scoring is never merged; the item's event is the item, not the parent input."""
    states = load_definition()["States"]
    shards = states["ScoreShards"]
    assert shards["Type"] == "Map"
    assert shards["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert shards["ItemReader"]["Parameters"]["Key.$"] == "$.data_prep.shards.Key"
    assert shards["ToleratedFailurePercentage"] == 0.0 and shards["MaxConcurrency"] > 1
    assert shards["ResultWriter"]["Resource"] == "arn:aws:states:::s3:putObject"
    task = shards["ItemProcessor"]["States"]["InferenceTask"]
    assert task["Retry"][0]["MaxAttempts"] >= 1
    env = task["Parameters"]["Overrides"]["ContainerOverrides"][0]["Environment"]
    assert {"Name": "ENGAGE_EVENT", "Value.$": "States.JsonToString($)"} in env
    assert shards["Next"] == "MergeShardScores"


def test_render_with_prefix_and_task_name_strips_it() -> None:
    values = {**local_values(), "Prefix": "dev-", "AccountId": "123456789012"}
    rendered = render(load_definition(), values)
    pre = rendered["States"]["PreCleanup"]
    assert pre["Resource"].endswith(":123456789012:function:dev-pre-cleanup-lambda")
    assert task_names(rendered, prefix="dev-") == EXPECTED_TASKS


def test_render_unknown_placeholder_names_it_and_where() -> None:
    with pytest.raises(PlaceholderError, match=r"\$\{Nope\} at \$\.a\.b\[1\]"):
        render({"a": {"b": ["x", "pre-${Nope}"]}}, {})


def test_render_list_value_inside_a_longer_string_is_refused() -> None:
    with pytest.raises(PlaceholderError, match="Subnets"):
        render({"a": "x-${Subnets}"}, {"Subnets": ["s1"]})


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"Resource": "arn:aws:lambda:eu-west-1:1:function:p-data-prep-lambda"}, "data-prep"),
        ({"Resource": "arn:aws:lambda:eu-west-1:1:function:p-data-prep-lambda:live"}, "data-prep"),
        (
            {
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "p-create-qa-table-lambda"},
            },
            "create-qa-table",
        ),
        (
            {
                "Resource": "arn:aws:states:::ecs:runTask.sync",
                "Parameters": {
                    "TaskDefinition": "arn:aws:ecs:r:1:task-definition/p-training-task:7"
                },
            },
            "training",
        ),
        (
            {
                "Resource": "arn:aws:states:::ecs:runTask.sync",
                "Parameters": {"TaskDefinition": "p-inference-task"},
            },
            "inference",
        ),
    ],
)
def test_task_name_from_resources(state: dict, expected: str) -> None:
    assert task_name(state, prefix="p-") == expected


def test_task_name_unknown_resource_is_an_error() -> None:
    with pytest.raises(ValueError, match="sns:publish"):
        task_name({"Resource": "arn:aws:states:::sns:publish"})


def _broken(mutate) -> dict:
    definition = copy.deepcopy(load_definition())
    mutate(definition)
    return definition


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(StartAt="Nowhere"), "StartAt 'Nowhere'"),
        (lambda d: d["States"]["PreCleanup"].update(Next="Ghost"), "PreCleanup: target 'Ghost'"),
        (
            lambda d: d["States"]["PreCleanup"]["Catch"][0].update(Next="Ghost"),
            "PreCleanup: target 'Ghost'",
        ),
        (
            lambda d: d["States"].update(Orphan={"Type": "Pass", "End": True}),
            "Orphan: unreachable",
        ),
        (
            lambda d: d["States"]["ParallelTableCreation"]["Branches"][1]["States"][
                "CreateFinalResults"
            ].pop("End"),
            "ParallelTableCreation/1/CreateFinalResults: needs exactly one of Next or End",
        ),
        (lambda d: d["States"]["PipelineSuccess"].update(Type="Party"), "unknown Type 'Party'"),
    ],
)
def test_validate_names_the_broken_state(mutate, message: str) -> None:
    with pytest.raises(DefinitionError) as info:
        validate(_broken(mutate))
    assert any(message in problem for problem in info.value.problems), info.value.problems


def test_validate_requires_a_terminal_state() -> None:
    loop = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}
    with pytest.raises(DefinitionError, match="no terminal state"):
        validate(loop)


def test_iter_states_paths_reach_into_branches() -> None:
    paths = [path for path, _, _ in iter_states(load_definition())]
    assert "ParallelTrainingAndValidation/0/ParallelModelTraining/4/AnomalyModel" in paths
    assert "ParallelTableCreation/1/CreateFinalResults" in paths
