"""`engage serve`: the real-time prediction API under uvicorn (FastAPI app, one process)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from engage.cli.errors import fail

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
) -> None:
    """Serve POST /predict, /predict/batch, GET /customers/{id}, /health, /ready, /metrics
    and the OpenAPI docs at /docs. Needs a pipeline run (`engage run`) and a key
    (`engage keys create --name me --role reader`)."""
    import uvicorn

    from engage.api.app import create_app
    from engage.models.registry import ModelNotFoundError
    from engage.settings import Settings

    settings = Settings()
    try:
        app = create_app(settings)
    except ModelNotFoundError as err:
        fail(err, 1)
    served = app.state.engage.holder.current
    console.print(f"Serving {served.tag} on http://{host}:{port} (web app: /, docs: /docs)")
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log)
