"""Query parameters validated by pydantic; anything wrong is a 400 page naming the field."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ConfigDict, ValidationError

from engage.web.render import WebError

M = TypeVar("M", bound=BaseModel)


class Query(BaseModel):
    """Base of every page's parameters: unknown ones are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def parse(request: Request, model: type[M]) -> M:
    """The request's query string as `model`; 400 with the field and reason when invalid."""
    raw = {k: v for k, v in request.query_params.items() if v != ""}
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "query"
        raise WebError(
            400, f"Bad query parameter {field!r}: {first.get('msg', 'invalid')}."
        ) from None
