"""`engage serve`: the real-time prediction API under uvicorn (FastAPI app, one process)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

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
    and the OpenAPI docs at /docs. Before the first `engage run` it starts and answers 503
    "no run yet"; clients need a key (`engage keys create --name me --role reader`)."""
    import uvicorn

    from engage.api.app import create_app
    from engage.settings import Settings

    app = create_app(Settings())
    holder = app.state.engage.holder
    if holder.ready:
        console.print(
            f"Serving {holder.current.tag} on http://{host}:{port} (web app: /, docs: /docs)"
        )
    else:  # start anyway: the reload check picks up the first run as it is promoted
        console.print(
            f"No run yet: http://{host}:{port} answers 503 until `engage run` promotes models"
        )
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log)
