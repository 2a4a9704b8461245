"""Every error the API gives, as one JSON shape: ``{"status", "error", "problems"}``.

``problems`` lists ``{location, value, expected}`` for each fault of the input
(empty when the input is not at fault); no input gives a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from peaceforce.errors import InputError, PeaceforceError, Problem
from peaceforce.server.records import ConflictError

log = logging.getLogger(__name__)


class ApiProblem(BaseModel):
    """One fault: where (a JSON path, a file and line), what was given, what was expected."""

    location: str
    value: str
    expected: str


class ApiError(BaseModel):
    """The body of every error response."""

    status: int
    error: str
    problems: list[ApiProblem] = []


def error_response(
    status: int, error: str, problems: list[ApiProblem] | None = None, **headers: str
) -> JSONResponse:
    """An error in the API's one shape."""
    body = ApiError(status=status, error=error, problems=problems or [])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers or None)


def from_problem(problem: Problem) -> ApiProblem:
    """A library problem (file, location, value, expected) as the API gives it."""
    where = f"{problem.file}:{problem.location}" if problem.location != "-" else problem.file
    return ApiProblem(location=where, value=problem.value, expected=problem.expected)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def install_error_handlers(app: FastAPI) -> None:
    """Turn every exception into the one error shape."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            ApiProblem(
                location=".".join(str(p) for p in error.get("loc", ())),
                value=_shown(error.get("input")),
                expected=str(error.get("msg", "")),
            )
            for error in exc.errors()
        ]
        return error_response(422, f"{len(problems)} problem(s) found", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        return error_response(exc.status_code, str(exc.detail), None, **headers)

    @app.exception_handler(InputError)
    async def bad_input(_: Request, exc: InputError) -> JSONResponse:
        problems = [from_problem(p) for p in exc.problems]
        status = 409 if isinstance(exc, ConflictError) else 422
        return error_response(status, f"{len(problems)} problem(s) found", problems)

    @app.exception_handler(PeaceforceError)
    async def failed(_: Request, exc: PeaceforceError) -> JSONResponse:
        return error_response(422, str(exc))

    @app.exception_handler(DataError)
    async def unstorable(_: Request, exc: DataError) -> JSONResponse:
        # PostgreSQL refused a value (text with NUL characters): the input's fault
        detail = str(exc.orig).splitlines()[0] if exc.orig is not None else "invalid value"
        problem = ApiProblem(location="body", value=detail[:200], expected="a value it can store")
        return error_response(422, "the database refused a value", [problem])

    app.add_middleware(NoNulInTheUrl)

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal error: see the server log")


class NoNulInTheUrl:
    """NUL in a path or query is refused (422) on every backend: PostgreSQL cannot hold it.

    Plain ASGI, so a request without one costs two substring tests.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for location, found in (
                ("path", "\x00" in scope.get("path", "")),
                ("query", b"%00" in scope.get("query_string", b"")),
            ):
                if found:
                    problem = ApiProblem(location=location, value="NUL (%00)", expected="no NUL")
                    await error_response(422, "NUL in the URL", [problem])(scope, receive, send)
                    return
        await self.app(scope, receive, send)
