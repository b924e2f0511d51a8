"""/docs and /redoc load everything from this server (before: a CDN, so blank offline)."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_only_local_assets(client, page) -> None:
    r = client.get(page)
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", r.text)
    refs += re.findall(r"""(?:url|spec-url)\s*:\s*['"]([^'"]+)['"]""", r.text)
    assert refs, "the page references no assets"
    external = [u for u in refs if re.match(r"(https?:)?//", u)]
    assert not external, external
    for lower in ("cdn.jsdelivr", "unpkg.com", "fonts.googleapis", "tiangolo.com"):
        assert lower not in r.text
    for url in refs:
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 0, url
