"""/docs (Swagger UI) and /redoc served from assets inside the package, never a CDN.

FastAPI's defaults load Swagger UI and ReDoc from a CDN (and Google Fonts), so
both pages are blank on a machine without network, which is where this product
runs. The dist files of npm's `swagger-ui-dist` and `redoc` are vendored under
`engage/api/static/` (see VERSIONS.txt there) and mounted at `ASSETS`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
ASSETS = "/docs-static"  # URL prefix of the vendored files (the web app reuses them)


def install(app: FastAPI) -> None:
    """Serve the vendored assets and the two documentation pages (no key needed)."""
    app.mount(ASSETS, StaticFiles(directory=STATIC_DIR), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/swagger-ui/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
