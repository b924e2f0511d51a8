"""The web app over HTTP (no browser): sessions, CSRF, roles, bad input, downloads without PII."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import httpx
import pyarrow.parquet as pq
import pytest


@pytest.fixture(scope="module")
def served(web):
    return web


def sign_in(served, key: str) -> httpx.Client:
    client = httpx.Client(base_url=served.url, follow_redirects=False)
    form = client.get("/app/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = client.post("/app/login", data={"csrf": token, "api_key": key})
    assert answer.status_code == 303, answer.text
    return client


def csrf(client: httpx.Client, path: str = "/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def test_session_cookie_is_httponly_strict_and_holds_no_key(served) -> None:
    client = httpx.Client(base_url=served.url)
    token = re.search(r'value="([^"]+)"', client.get("/app/login").text).group(1)
    answer = client.post("/app/login", data={"csrf": token, "api_key": served.reader_key})
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie  # plain http on loopback; set when served over TLS
    assert served.reader_key not in cookie


def test_pages_need_a_session_and_carry_a_strict_csp(served) -> None:
    anonymous = httpx.Client(base_url=served.url, follow_redirects=False)
    assert anonymous.get("/app/customers").headers["location"] == "/app/login"
    page = sign_in(served, served.reader_key).get("/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text  # no inline script


def test_wrong_key_is_a_message_not_a_session(served) -> None:
    client = httpx.Client(base_url=served.url)
    token = re.search(r'value="([^"]+)"', client.get("/app/login").text).group(1)
    answer = client.post("/app/login", data={"csrf": token, "api_key": "ek_nope_nope"})
    assert answer.status_code == 401 and "not valid" in answer.text
    assert "engage_session" not in answer.headers.get("set-cookie", "")


def test_forms_without_the_csrf_token_are_refused(served) -> None:
    admin = sign_in(served, served.admin_key)
    answer = admin.post("/app/review", data={"customer_id": "X", "status": "approved", "note": "n"})
    assert answer.status_code == 403 and "security token" in answer.text


@pytest.mark.parametrize(
    "path",
    [
        "/app/customers?page=0",
        "/app/customers?sort=drop_table",
        "/app/customers?x=1",
        "/app/customers?state=california",
        "/app/customers/%3Cscript%3E",
        "/app/runs/not_a_run",
        "/app/download/customer_pii.csv",
        "/app/nothing/here",
    ],
)
def test_bad_parameters_are_4xx_pages_without_a_trace(served, path: str) -> None:
    answer = sign_in(served, served.reader_key).get(path)
    assert 400 <= answer.status_code < 500
    assert "Traceback" not in answer.text and "<script" not in answer.text.split("</head>")[1]
    assert 'role="alert"' in answer.text


def test_reader_gets_403_from_the_server_for_admin_actions(served) -> None:
    reader = sign_in(served, served.reader_key)
    token = csrf(reader)
    assert reader.get("/app/review").status_code == 403
    decision = {"csrf": token, "customer_id": "CUST_0000001", "status": "approved", "note": "x"}
    assert reader.post("/app/review", data=decision).status_code == 403
    promote = {"csrf": token, "model": "churn", "version": "v1", "note": "x", "confirm": "yes"}
    assert reader.post("/app/models/promote", data=promote).status_code == 403


def test_customer_download_has_no_pii_and_matches_the_filter(served, baseline) -> None:
    reader = sign_in(served, served.reader_key)
    answer = reader.get("/app/download/customers.parquet?risk=intervention")
    table = pq.read_table(io.BytesIO(answer.content))
    assert not {"email", "first_name", "last_name", "phone", "name"} & set(table.column_names)
    expected = baseline.query(
        "SELECT count(*) AS n FROM engagement_analytics.final_results WHERE intervention_flag"
    ).to_pylist()[0]["n"]
    assert table.num_rows == expected


def test_promotion_needs_confirmation_and_is_audited(served) -> None:
    admin = sign_in(served, served.admin_key)
    token = csrf(admin, "/app/models")
    form = {"csrf": token, "model": "churn", "version": "v1", "note": "roll back drill"}
    assert admin.post("/app/models/promote", data=form).status_code == 400  # not confirmed
    assert admin.post("/app/models/promote", data=form | {"confirm": "yes"}).status_code == 303
    log = admin.get("/app/models").text
    assert "roll back drill" in log and "web:web-admin-" in log
    unknown = form | {"confirm": "yes", "version": "v999"}
    assert admin.post("/app/models/promote", data=unknown).status_code == 400


class _Controls(HTMLParser):
    """Form controls and what names them: a <label for>, a wrapping <label>, aria-label."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.open_labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label":
            self.open_labels += 1
            if found.get("for"):
                self.label_for.add(str(found["for"]))
        elif tag in ("input", "select", "textarea") and found.get("type") not in (
            "hidden",
            "submit",
            "button",
        ):
            self.controls.append({**found, "_in_label": "1" if self.open_labels else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels = max(0, self.open_labels - 1)

    def unlabelled(self) -> list[dict[str, str | None]]:
        return [
            c
            for c in self.controls
            if not (c["_in_label"] or c.get("aria-label") or c.get("id") in self.label_for)
        ]


@pytest.mark.parametrize(
    "path",
    ["/app/login", "/", "/app/customers", "/app/ask", "/app/review", "/app/models", "/app/runs"],
)
def test_every_form_control_has_a_label(served, path: str) -> None:
    client = (
        sign_in(served, served.admin_key)
        if path != "/app/login"
        else httpx.Client(base_url=served.url)
    )
    answer = client.get(path)
    assert answer.status_code == 200
    parser = _Controls()
    parser.feed(answer.text)
    assert parser.unlabelled() == [], path
