"""The FastAPI application factory: routers, error handlers, guards, lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from engage import __version__
from engage.api import errors
from engage.api.limits import GuardMiddleware
from engage.api.routes import admin, ask, customers, health, predict
from engage.api.schemas import batch_request_model
from engage.api.state import AppState, build_state
from engage.settings import Settings
from engage.web import mount as mount_web

DESCRIPTION = """Real-time customer predictions (seed 004 §4.1): the latest batch
predictions of all five models by customer id, or live inference on submitted
features, with the top-5 SHAP features. Send an API key in `x-api-key`."""


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
        try:
            yield
        finally:
            state.stop()

    app = FastAPI(
        title="engage prediction API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.engage = state
    errors.install(app)
    predictions = APIRouter(tags=["predictions"])
    predict.register(predictions, batch_request_model(state.settings.api_batch_max))
    for router in (predictions, customers.router, health.router, admin.router, ask.router):
        app.include_router(router)
    mount_web(app)  # the web app at / and /app/... (engage.web)
    app.add_middleware(
        GuardMiddleware, max_body_bytes=state.settings.api_max_body_bytes, metrics=state.metrics
    )
    return app
