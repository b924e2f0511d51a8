"""Mount the web pages, their static assets, error pages and security headers on the API app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from engage.web import auth
from engage.web.pages import (
    ask,
    customer,
    customers,
    downloads,
    fairness,
    models,
    overview,
    quality,
    review,
    runs,
)
from engage.web.render import WebError, error_page
from engage.web.warm import Warmer

STATIC = Path(__file__).resolve().parent / "static"
# Strict policy: only our own script and styles; SVG charts are inline markup, not scripts.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Add the CSP and friends to every web response (`/` and `/app/...`)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/" or path.startswith("/app")):
            await self.app(scope, receive, send)
            return

        async def send_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_headers)


missing = APIRouter()


@missing.get("/app/{rest:path}")
async def not_found(rest: str) -> None:
    """Any other /app/ address: a 404 page rather than the JSON API's 404."""
    raise WebError(404, "There is no such page; pick one from the menu.")


def mount(app: FastAPI) -> None:
    """Add the web app to an API app built by `engage.api.app.create_app`."""
    app.state.web_sessions = auth.Sessions()
    # Started and stopped with the server's lifespan (engage.api.app), as the model reload.
    app.state.web_warmer = Warmer(app, app.state.engage.settings.api_reload_seconds)
    app.mount("/app/static", StaticFiles(directory=STATIC), name="web-static")
    for module in (
        auth,
        overview,
        customers,
        customer,
        ask,
        review,
        fairness,
        quality,
        models,
        runs,
        downloads,
    ):
        app.include_router(module.router, include_in_schema=False)
    app.include_router(missing, include_in_schema=False)  # last: after every real page
    app.add_exception_handler(WebError, error_page)  # type: ignore[arg-type]
    app.add_middleware(SecurityHeaders)
