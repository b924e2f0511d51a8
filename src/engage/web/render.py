"""Templates, the page response, and error pages (a message and a status, never a trace)."""

from __future__ import annotations

import datetime as dt
import logging
import math
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

log = logging.getLogger("engage.web")
TEMPLATES = Path(__file__).resolve().parent / "templates"
NAV = [
    ("/", "Overview"),
    ("/app/customers", "Customers"),
    ("/app/ask", "Ask"),
    ("/app/review", "Review queue"),
    ("/app/fairness", "Fairness"),
    ("/app/quality", "Drift & quality"),
    ("/app/models", "Models"),
    ("/app/runs", "Runs"),
]


class WebError(Exception):
    """An error shown to the user as a page: status and a plain message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


def num(value: Any, digits: int = 3) -> str:
    """A number for people: thousands separators, `digits` significant decimals, — for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, list | tuple):
        return ", ".join(num(v, digits) for v in value)
    return str(value)


def pct(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * float(value):.{digits}f}%"


env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
)
env.filters.update(num=num, pct=pct)
env.globals.update(nav=NAV)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; `user` and `csrf` come from the request's session (if any)."""
    session = getattr(request.state, "web_session", None)
    html = env.get_template(template).render(
        request=request,
        path=request.url.path,
        user=session,
        csrf=session.csrf if session else "",
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


def svg(markup: str) -> Markup:
    """Mark chart markup (built with every text escaped, see charts.py) as safe."""
    return Markup(markup)  # noqa: S704 - charts.py escapes every label it writes


async def error_page(request: Request, exc: WebError) -> Response:
    """The error as a page; 5xx are logged with the detail, the user sees only the message.
    A signed-out GET goes to the sign-in page instead."""
    if exc.status == 401 and request.method == "GET":
        return RedirectResponse("/app/login", status_code=303)
    if exc.status >= 500:
        log.error("web error %s on %s: %s", exc.status, request.url.path, exc.message)
    response = page(request, "error.html", exc.status, code=exc.status, error=exc.message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response
