"""Unknown query parameters are an error, not silently ignored.

`GET /support/alerts?limt=5` used to answer as if no limit had been asked for, with
200; the OpenAPI schema says a route takes only the parameters it names, and
Schemathesis' negative cases check it. Every API router gets this dependency
(engage.api.app); the web pages are not API routes and keep their own rules.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError

MAX_REPORTED = 10


def known_query_names(route: object) -> frozenset[str] | None:
    """The query names a route declares (its dependencies' too); None: not an API route."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    names: set[str] = set()
    pending = [dependant]
    while pending:  # the route's own parameters and those of its dependencies
        current = pending.pop()
        names.update(param.alias for param in current.query_params)
        pending.extend(current.dependencies)
    return frozenset(names)


async def reject_unknown_query(request: Request) -> None:
    """422 naming each query parameter the route does not take."""
    if not request.query_params:
        return
    known = known_query_names(request.scope.get("route"))
    if known is None:
        return
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in known]
    if unknown:
        errors = [_error(name) for name in unknown[:MAX_REPORTED]]
        raise RequestValidationError(errors)


def _error(name: str) -> dict[str, object]:
    return {"loc": ("query", name), "msg": "unknown query parameter", "type": "extra_forbidden"}
