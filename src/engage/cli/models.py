"""`engage models`: the model registry (list versions, show one, promote one)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from engage import lake
from engage.cli.errors import fail
from engage.cli.tables import JsonFlag, echo_json, show
from engage.models.registry import ModelNotFoundError, ModelRegistry
from engage.ports import ObjectStore

console = Console()
models_app = typer.Typer(help="The model registry: list, show, promote.", no_args_is_help=False)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


def _store() -> ObjectStore:
    from engage import bootstrap
    from engage.settings import Settings

    return bootstrap.object_store(Settings())


def _model_names(store: ObjectStore) -> list[str]:
    names = {key[len(lake.MODELS) :].split("/", 1)[0] for key in store.list(lake.MODELS)}
    return sorted(n for n in names if n != "metrics" and not n.startswith("."))


@models_app.callback(invoke_without_command=True)
def default(ctx: typer.Context) -> None:
    """Without a subcommand: the list."""
    if ctx.invoked_subcommand is None:
        list_models(as_json=False)


@models_app.command("list")
def list_models(as_json: Annotated[bool, JsonFlag] = False) -> None:
    """Every model's versions with their test metrics, vs baseline and vs ceiling; * = served."""
    from engage.models.grading import vs_fields

    listed: list[dict] = []
    table = Table("Model", "Version", "Served", "Test metrics", "Vs baseline", "Vs ceiling")
    table.add_column("Run", no_wrap=True)
    store = _store()
    for name in _model_names(store):
        registry = ModelRegistry(store, name)
        served = registry.latest()
        for version in registry.versions():
            meta = registry.metadata(version)
            metrics = meta.get("metrics", {}).get("test") or meta.get("metrics", {}).get(
                "train", {}
            )
            primary = meta.get("primary_metric")
            keys = ([primary] if primary in metrics else []) + [k for k in metrics if k != primary]
            shown = " ".join(f"{k}={metrics[k]:.4g}" for k in keys[:3])
            mark = "*" if version == served else ""
            vs = vs_fields(meta.get("grading"))
            table.add_row(
                name, version, mark, shown, _vs_baseline(vs), _vs_ceiling(vs),
                meta.get("run_id", ""),
            )  # fmt: skip
            listed.append({"model": name, "version": version, "served": version == served,
                           "metrics": metrics, "run_id": meta.get("run_id"),
                           "grading": vs})  # fmt: skip
    if as_json:
        echo_json(listed)
        return
    if not table.rows:
        console.print("No models yet: `engage run` trains them.")
        return
    show(console, table)


def _vs_baseline(vs: dict) -> str:
    if vs.get("baseline") is None:
        return "-"
    return f"{vs['vs_baseline']:+.4f} vs {vs['baseline']} ({vs['baseline_value']:.4f})"


def _vs_ceiling(vs: dict) -> str:
    if vs.get("ceiling") is None or vs.get("vs_ceiling") is None:
        return "-"
    return f"{vs['vs_ceiling']:.3f} x {vs['ceiling']:.4f}"


@models_app.command("show")
def show_model(
    name: Annotated[str, typer.Argument(help="Model name, e.g. engagement.")],
    version: Annotated[str | None, typer.Argument(help="Version; default the served one.")] = None,
) -> None:
    """Print a version's metadata (algorithm, params, metrics, grading with vs baseline and
    vs ceiling, features, run) as JSON."""
    from engage.models.grading import summary_text, vs_fields

    registry = ModelRegistry(_store(), name)
    version = version or registry.latest()
    if version is None:
        fail(f"{name} has no served version", hint=f"pass one of {registry.versions()}")
    try:
        meta = registry.metadata(version)
        grading = meta.get("grading")
        shown = {**meta, "vs": {**vs_fields(grading), "summary": summary_text(grading)}}
        typer.echo(json.dumps(shown, indent=2, default=str))
    except ModelNotFoundError as err:
        fail(err, 1)


@models_app.command("card")
def show_card(
    name: Annotated[str, typer.Argument(help="Model name, e.g. churn.")],
    version: Annotated[str | None, typer.Argument(help="Version; default the served one.")] = None,
) -> None:
    """Print a version's model card (Markdown, written when the version was trained)."""
    from rich.markdown import Markdown

    registry = ModelRegistry(_store(), name)
    version = version or registry.latest()
    try:
        if version is None:
            raise ModelNotFoundError(
                f"{name} has no served version; pass one of {registry.versions()}"
            )
        console.print(Markdown(registry.load(version, "model_card.md").decode("utf-8")))
    except ModelNotFoundError as err:
        fail(err, 1)


@models_app.command("promote")
def promote_model(
    name: Annotated[str, typer.Argument(help="Model name, e.g. engagement.")],
    version: Annotated[str, typer.Argument(help="The version to serve, e.g. v3.")],
) -> None:
    """Serve `version` from now on (a manual decision: it bypasses the promotion rule)."""
    registry = ModelRegistry(_store(), name)
    try:
        registry.promote(version, run_id="manual")
    except ModelNotFoundError as err:
        fail(err, 1)
    console.print(f"{name} now serves {version}")
