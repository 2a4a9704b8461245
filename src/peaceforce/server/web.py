"""The web page: the built assets of ``web/`` served at ``/``, or a clear 503 when not built.

``make web`` (``npm ci`` and ``vite build`` in ``web/``) writes them to
``web_dist/`` beside this module; the folder is not committed. Pages are sent
with a content security policy that lets them talk to this server only, so a
page that tried to fetch tiles, fonts or scripts from elsewhere would fail
loudly in the browser rather than leak where the force is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

#: Where ``make web`` puts the built page.
WEB_DIST = Path(__file__).with_name("web_dist")
#: Same origin only; MapLibre runs its workers from blob: URLs and draws images from data:.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
    "worker-src 'self' blob:; child-src blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; font-src 'self'; frame-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'"
)
NOT_BUILT = (
    "The web page is not built. Run `make web` in the project folder "
    "(npm ci and vite build in web/, from the npm registry only), then restart "
    "`peaceforce serve`. The API answers meanwhile at /api/v1 (OpenAPI at /openapi.json)."
)
_API_PATHS = ("/api/", "/openapi.json", "/docs", "/redoc", "/healthz")


def is_built(dist: Path = WEB_DIST) -> bool:
    """Whether the page has been built into ``dist``."""
    return (dist / "index.html").is_file()


def mount_web(app: FastAPI, dist: Path = WEB_DIST) -> None:
    """Serve the page at ``/`` (after every API route), or a 503 naming the fix."""
    if is_built(dist):
        app.mount("/", StaticFiles(directory=dist, html=True), name="web")
    else:

        @app.get("/", include_in_schema=False)
        def not_built() -> PlainTextResponse:
            return PlainTextResponse(NOT_BUILT, status_code=503)

    @app.middleware("http")
    async def page_policy(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith(_API_PATHS):
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            response.headers["Referrer-Policy"] = "no-referrer"
        return response
