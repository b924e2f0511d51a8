"""The web app for the people who use the results: pages at `/` and `/app/...`.

Server-rendered (FastAPI + Jinja2), on the same API keys and roles as the JSON API:
a key signs in once and becomes a session cookie. Charts are SVG drawn on the server,
so the only script is the app's own small `app.js` (CSP `script-src 'self'`), nothing
comes from a CDN and nothing phones home.
"""

from __future__ import annotations

from engage.web.app import mount

__all__ = ["mount"]
