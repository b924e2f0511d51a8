"""Sign in with an API key; the session cookie; CSRF tokens; reader vs admin on the server.

The key is checked once (scrypt, in the thread pool) and never stored in the browser:
the cookie holds a random session id, `HttpOnly` (no script reads it), `SameSite=Strict`
(no other site sends it) and `Secure` when the request came over TLS. Every POST carries
the session's CSRF token (a hidden field, or `x-csrf-token` from app.js), compared in
constant time. A revoked key ends its sessions at the next request.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engage.api.keys import ApiKey
from engage.api.throttle import TokenBuckets
from engage.web.render import WebError, page

COOKIE = "engage_session"
LOGIN_COOKIE = "engage_login_csrf"
IDLE_SECONDS = 8 * 3600
MAX_SESSIONS = 1024
MAX_FORM_BYTES = 16 * 1024
router = APIRouter()


@dataclass
class WebSession:
    """A signed-in browser: which key, its role, its CSRF token."""

    sid: str
    key_id: str
    name: str
    role: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    seen: float = field(default_factory=time.monotonic)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Sessions:
    """In-memory sessions of one server process (a restart signs everyone out)."""

    def __init__(self) -> None:
        self._by_id: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    def create(self, key: ApiKey) -> WebSession:
        session = WebSession(secrets.token_urlsafe(32), key.key_id, key.name, key.role)
        with self._lock:
            if len(self._by_id) >= MAX_SESSIONS:  # drop the least recently seen
                oldest = min(self._by_id.values(), key=lambda s: s.seen)
                self._by_id.pop(oldest.sid, None)
            self._by_id[session.sid] = session
        return session

    def get(self, sid: str | None) -> WebSession | None:
        with self._lock:
            session = self._by_id.get(sid or "")
            if session is None:
                return None
            if time.monotonic() - session.seen > IDLE_SECONDS:
                self._by_id.pop(session.sid, None)
                return None
            session.seen = time.monotonic()
            return session

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)


def engage_state(request: Request) -> Any:
    """The API's `engage.api.state.AppState` (not imported: that module composes)."""
    return request.app.state.engage


def _active(state: Any, key_id: str) -> bool:
    return any(k.key_id == key_id and k.active for k in state.keys.list())


async def viewer(request: Request) -> WebSession:
    """The signed-in session (reader or admin); else off to the sign-in page."""
    state = engage_state(request)
    sessions: Sessions = request.app.state.web_sessions
    session = sessions.get(request.cookies.get(COOKIE))
    if session is not None and not _active(state, session.key_id):
        sessions.drop(session.sid)
        session = None
    if session is None:
        raise WebError(401, "Please sign in with your API key.", {"x-sign-in": "/app/login"})
    allowed, wait_s = state.buckets.take(session.key_id)
    if not allowed:
        retry = TokenBuckets.retry_after(wait_s)
        raise WebError(429, f"Too many requests; retry in {retry} s.", {"Retry-After": retry})
    request.state.web_session = session
    return session


async def admin(session: Annotated[WebSession, Depends(viewer)]) -> WebSession:
    """An admin session; a reader gets 403 from the server, whatever the page showed."""
    if not session.is_admin:
        raise WebError(403, "This action needs an admin key; you are signed in as a reader.")
    return session


Viewer = Annotated[WebSession, Depends(viewer)]
Admin = Annotated[WebSession, Depends(admin)]


async def form(request: Request) -> dict[str, str]:
    """The urlencoded form body (one value per field), bounded in size."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise WebError(413, "The form is too large.")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise WebError(400, "The form could not be read.") from None
    return {k: v[0] for k, v in parsed.items()}


def check_csrf(session: WebSession, presented: str | None) -> None:
    """Refuse a POST whose token is not the session's (a cross-site forgery, or a stale page)."""
    if not presented or not hmac.compare_digest(presented, session.csrf):
        raise WebError(403, "The form's security token is missing or stale; reload the page.")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/app/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", login_csrf=token, message=None)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/app/login",
    )
    return response


@router.post("/app/login")
async def login(request: Request) -> Response:
    """Check the key; on success set the session cookie and go to the overview."""
    fields = await form(request)
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    presented = fields.get("csrf", "")
    if not expected or not hmac.compare_digest(presented, expected):
        raise WebError(403, "The sign-in form expired; reload the page and try again.")
    state = engage_state(request)
    key = await run_in_threadpool(state.keys.authenticate, fields.get("api_key", "").strip())
    if key is None:
        state.metrics.count("auth_failures")
        return page(
            request,
            "login.html",
            401,
            login_csrf=expected,
            message="That key is not valid (or was revoked).",
        )
    session = request.app.state.web_sessions.create(key)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        session.sid,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=IDLE_SECONDS,
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/app/login")
    return response


@router.post("/app/logout")
async def logout(request: Request, session: Viewer) -> Response:
    check_csrf(session, (await form(request)).get("csrf"))
    request.app.state.web_sessions.drop(session.sid)
    response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
