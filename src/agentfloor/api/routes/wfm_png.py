"""`?format=png` for the WFM answers: the same picture the CLI writes, as `image/png`.

`POST /v1/wfm/forecast` and `POST /v1/wfm/schedule` answer JSON by default; `?format=png`
returns the plot `agentfloor forecast` / `agentfloor schedule` write (drawn by `wfm.plots`).
Any other value is a 422 naming `query.format` and the values it takes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import Response

__all__ = ["PNG_RESPONSES", "FormatQuery", "png_response"]

FormatQuery = Annotated[
    Literal["json", "png"],
    Query(description="`json` (default) for the answer, `png` for its plot as image/png."),
]

#: OpenAPI: the 200 answer may also be a PNG.
PNG_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "JSON, or the plot with `?format=png`."}
}


def png_response(png: bytes) -> Response:
    """Return `png` as an `image/png` response (the picture is computed per request)."""
    return Response(content=png, media_type="image/png", headers={"Cache-Control": "no-store"})
