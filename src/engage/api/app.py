"""The FastAPI application factory: routers, error handlers, guards, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from engage import __version__
from engage.api import docs, errors
from engage.api.limits import GuardMiddleware, batch_body_bytes
from engage.api.query import reject_unknown_query
from engage.api.routes import admin, ask, customers, health, models, predict
from engage.api.routes import forecast as forecast_route
from engage.api.routes import support as support_routes  # issue 18
from engage.api.schemas import batch_request_model
from engage.api.state import AppState, build_state
from engage.settings import Settings
from engage.web import mount as mount_web

DESCRIPTION = """Real-time customer predictions (seed 004 §4.1): the latest batch
predictions of all five models by customer id, or live inference on submitted
features, with the top-5 SHAP features. Send an API key in `x-api-key`."""


def describe(settings: Settings) -> str:
    """The OpenAPI description, with the limits this server enforces."""
    body, batch = settings.api_max_body_bytes, settings.api_batch_max
    return (
        f"{DESCRIPTION}\n\nLimits: request bodies up to {body} bytes; `/predict/batch` takes "
        f"1-{batch} items and up to {batch_body_bytes(batch, body)} bytes (derived from the "
        f"batch bound: {batch} of the largest full-feature items); "
        f"{settings.api_rate_per_second:g} requests/s per key after a burst of "
        f"{settings.api_burst} (429 with Retry-After)."
    )


def create_app(
    settings: Settings | None = None,
    state: AppState | None = None,
    background: bool = True,
) -> FastAPI:
    """Build the app; models load now (once), not per request.

    `background=False` runs no reload/flush threads (AWS Lambda, where the handler
    flushes after each invocation instead).
    """
    state = state or build_state(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if background:
            state.start()
            app.state.web_warmer.start()  # the web pages' per-run copies (engage.web.warm)
        try:
            yield
        finally:
            app.state.web_warmer.stop()
            state.stop()

    app = FastAPI(
        title="engage prediction API",
        version=__version__,
        description=describe(state.settings),
        lifespan=lifespan,
        redirect_slashes=False,  # a redirect would echo the client's Host header
        docs_url=None,  # /docs and /redoc come from engage.api.docs, with vendored assets
        redoc_url=None,
    )
    app.state.engage = state
    errors.install(app)
    docs.install(app)
    predictions = APIRouter(tags=["predictions"])
    predict.register(predictions, batch_request_model(state.settings.api_batch_max))
    routers = (predictions, customers.router, health.router, models.router, admin.router)
    routers = (*routers, support_routes.router)
    strict_query = [Depends(reject_unknown_query)]  # engage.api.query
    for router in (*routers, ask.router, forecast_route.router):  # forecast: issue 18 item 1
        app.include_router(router, dependencies=strict_query)
    mount_web(app)  # the web app at / and /app/... (engage.web)
    limit, batch_max = state.settings.api_max_body_bytes, state.settings.api_batch_max
    app.add_middleware(
        GuardMiddleware,
        max_body_bytes=limit,
        metrics=state.metrics,
        path_limits={"/predict/batch": batch_body_bytes(batch_max, limit)},
    )
    return app
