"""The one base of every result: immutable, strict, serialisable to JSON and back.

Stage results (mandate, sourcing, deployment, protection, the plan) derive
from :class:`StageResult`: each carries the :class:`~peaceforce.labels.Label`
that decides who may read it and the *run key* of the run that produced it,
so two runs can be compared and stored side by side.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from peaceforce.labels import Label

#: Hex digits of a run key: 64 bits, ample to tell runs apart, short enough to read out.
RUN_KEY_LENGTH = 16


class Result(BaseModel):
    """Base of every result and its parts: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class StageResult(Result):
    """A whole stage's answer: labelled, and keyed by the run that produced it."""

    label: Label = Field(description="who may read this result (combined from its inputs)")
    run_key: str = Field(
        pattern=rf"^[0-9a-f]{{{RUN_KEY_LENGTH}}}$",
        description="hash of scenario content, what-if settings and code version",
    )


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version plus a digest of its source files.

    The version alone would give two different builds of the same release one key.
    """
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    try:
        version = metadata.version("peaceforce")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        version = "0+unknown"
    return f"{version}+{digest.hexdigest()[:12]}"


def run_key(content: Any, settings: Any) -> str:
    """A stable key for a run: the same content, settings and code always give the same key.

    ``content`` and ``settings`` must be JSON-serialisable (a model's ``model_dump(mode="json")``).
    """
    canonical = json.dumps(
        {"content": content, "settings": settings, "code": code_version()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:RUN_KEY_LENGTH]
