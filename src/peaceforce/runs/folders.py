"""Run folders: every run's files in ``out/<scenario id>/<folder key>/``, side by side.

::

    out/
      coalition-2025/
        latest-plan.json      pointer: the manifest of the newest plan run
        latest-deploy.json    ... of the newest deploy run (one pointer per command)
        .lock                 held while a run folder is swapped in and its pointer written
        3f9c0a1b2c3d4e5f/     a plan run: its folder key is its run key
          run.json            manifest: command, run key, label, what-if, settings, files
          plan.json  scenario.json  deploy-*.tpfdd.csv  ...
        8e12b07d5a6c4f31/     a deploy run: a key over the run key and the command's settings

A run's files are written into a fresh folder that takes the run folder's place only
once every file is there (:func:`peaceforce.outputs.replacing_folder`): a failed run
leaves nothing, and running the same inputs again replaces that run's folder alone.

The pointer is a JSON file written with :func:`~peaceforce.outputs.write_atomic`, not a
``latest`` symbolic link: a link cannot be made on Windows without a privilege, says
nothing of the run it points at, and the one writer writes *through* links. A file holds
the whole manifest (which run, what-if, label, when), is replaced atomically, and one
file per command means a ``deploy`` never moves the plan's pointer and no writer has to
read, merge and rewrite another's entry.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from peaceforce import results
from peaceforce.errors import InputError, Problem
from peaceforce.outputs import replacing_folder, write_atomic
from peaceforce.parsing.files import read_file
from peaceforce.parsing.json import parse_json
from peaceforce.parsing.limits import MAX_JSON_BYTES
from peaceforce.parsing.yaml import format_path
from peaceforce.plan import PlanResult
from peaceforce.results import RUN_KEY_LENGTH, StageResult
from peaceforce.scenario.base import Ident
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.whatif import WhatIf

#: The manifest every run folder holds; a folder without one is not replaced.
MANIFEST_FILE = "run.json"
#: The plan's own result, in a plan run's folder.
PLAN_FILE = "plan.json"
#: The scenario the plan ran on, what-ifs applied, in a plan run's folder.
SCENARIO_FILE = "scenario.json"
_LOCK_FILE = ".lock"
_KEY_PATTERN = rf"^[0-9a-f]{{{RUN_KEY_LENGTH}}}$"
_HEX = frozenset("0123456789abcdef")
_Model = TypeVar("_Model", bound=BaseModel)

#: A command setting as the manifest records it.
Setting = str | int | float | bool | None


class RunCommand(StrEnum):
    """The commands that write a run folder."""

    PLAN = "plan"
    DEPLOY = "deploy"
    PROTECT = "protect"


class RunManifest(StageResult):
    """What a run folder holds and what produced it (``run.json``, and each pointer)."""

    command: RunCommand
    scenario_id: Ident
    folder: str = Field(
        pattern=_KEY_PATTERN,
        description="the run folder's name: the run key, or a key over it and the settings",
    )
    what_if: WhatIf = Field(description="what-if settings applied to the scenario's files")
    settings: dict[str, Setting] = Field(
        description="the command's own settings (mission, framework, time limit, ...)"
    )
    written_at: datetime
    files: tuple[str, ...] = Field(description="files of the run, relative to its folder")


@dataclass(frozen=True)
class WrittenRun:
    """Where a run went: its folder, its manifest, the files in it and the pointer."""

    folder: Path
    manifest: RunManifest
    files: tuple[Path, ...]
    pointer: Path


@dataclass(frozen=True)
class SavedRun:
    """A plan run read back from its folder, both files validated."""

    folder: Path
    manifest: RunManifest
    plan: PlanResult


def folder_key(
    scenario: Scenario, settings: Mapping[str, Setting], inputs: Sequence[BaseModel | None] = ()
) -> str:
    """The name of a run's folder: the run key (over the scenario and the other ``inputs``
    read, such as the protection data) when the command has no settings of its own
    (``plan``), otherwise a key over that run key and the settings, so that ``deploy``
    runs of two missions, or with two IOC shares, land side by side."""
    key: str = scenario.stamp(*inputs)["run_key"]
    if not settings:
        return key
    return results.run_key(key, dict(settings))


def content_digest(value: Any) -> str:
    """A short digest of JSON-serialisable content, for a setting that is a whole file."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:RUN_KEY_LENGTH]


def pointer_path(scenario_folder: Path, command: RunCommand) -> Path:
    """The file naming the newest run of ``command`` in one scenario's folder."""
    return scenario_folder / f"latest-{command.value}.json"


def write_run(
    out: Path,
    scenario: Scenario,
    command: RunCommand,
    write_files: Callable[[Path], Iterable[Path]],
    settings: Mapping[str, Setting] | None = None,
    *,
    inputs: Sequence[BaseModel | None] = (),
) -> WrittenRun:
    """Write one run's files into ``out/<scenario id>/<folder key>/``, replacing that folder whole.

    ``write_files`` writes into the fresh folder it is given and returns the paths it wrote;
    ``inputs`` are what the run read besides the scenario (they join its run key).
    The manifest and then the command's pointer are written last.

    Raises
    ------
    InputError
        When ``out`` or the scenario's folder is not a folder, when the run's folder
        exists but holds no manifest (replacing it would delete a user's files), or when
        the files cannot be written.
    """
    given = dict(settings or {})
    scenario_folder = out / scenario.id
    folder = scenario_folder / folder_key(scenario, given, inputs)
    pointer = pointer_path(scenario_folder, command)
    if out.exists() and not out.is_dir():  # a link to a folder is a fine place for runs
        raise InputError([Problem(str(out), "-", "not a folder", "a folder for the results")])
    _check_folder(scenario_folder)
    try:
        scenario_folder.mkdir(parents=True, exist_ok=True)
        with _locked(scenario_folder):
            _check_replaceable(folder)
            with replacing_folder(folder) as staging:
                names = [p.relative_to(staging).as_posix() for p in write_files(staging)]
                manifest = RunManifest(
                    command=command,
                    scenario_id=scenario.id,
                    folder=folder.name,
                    what_if=scenario.what_if,
                    settings=given,
                    written_at=datetime.now(UTC),
                    files=(MANIFEST_FILE, *names),
                    **scenario.stamp(*inputs),
                )
                write_atomic(staging / MANIFEST_FILE, manifest.model_dump_json(indent=2))
            # the fresh folder is in place now; the pointer follows it, under the same lock
            write_atomic(pointer, manifest.model_dump_json(indent=2))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError([Problem(str(out), "-", reason, "a writable folder")]) from None
    return WrittenRun(folder, manifest, tuple(folder / name for name in names), pointer)


def _check_folder(path: Path) -> None:
    if path.exists() and (path.is_symlink() or not path.is_dir()):
        raise InputError([Problem(str(path), "-", "not a folder", "a folder for the results")])


def _check_replaceable(folder: Path) -> None:
    _check_folder(folder)
    if folder.exists() and not (folder / MANIFEST_FILE).is_file() and any(folder.iterdir()):
        raise InputError(
            [
                Problem(
                    str(folder),
                    "-",
                    "a folder with other files",
                    f"a new or empty folder, or a run folder (it holds {MANIFEST_FILE})",
                )
            ]
        )


@contextlib.contextmanager
def _locked(scenario_folder: Path) -> Iterator[None]:
    """Hold ``flock`` on the scenario folder's lock file (never removed, as in the store)."""
    descriptor = os.open(scenario_folder / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


# --- finding and reading runs -------------------------------------------------------------


def resolve_run(reference: str, out: Path) -> Path:
    """The folder of the plan run ``reference`` names.

    ``reference`` is a run folder (or a file in one), ``latest`` (the newest plan run,
    when ``out`` holds one scenario), ``SCENARIO/latest``, or a run key or a unique prefix
    of one (``SCENARIO/PREFIX`` to look in one scenario only).

    Raises
    ------
    InputError
        When nothing, or more than one run, matches.
    """
    given = Path(reference)
    if given.exists():
        return given if given.is_dir() else given.parent
    scenario, _, name = reference.rpartition("/")
    scenario_folders = _scenario_folders(out, scenario)
    if name == "latest":
        return _latest(reference, out, scenario_folders)
    if not name or not set(name) <= _HEX or len(name) > RUN_KEY_LENGTH:
        raise InputError(
            [
                Problem(
                    reference,
                    "-",
                    "no such run folder",
                    "a run folder, 'latest', 'SCENARIO/latest', or a run key or its prefix",
                )
            ]
        )
    matches = sorted(
        folder
        for scenario_folder in scenario_folders
        for folder in scenario_folder.glob(f"{name}*")
        if (folder / PLAN_FILE).is_file()
    )
    if len(matches) == 1:
        return matches[0]
    found = "no plan run" if not matches else f"{len(matches)} runs: " + _listed(matches, out)
    expected = f"the key or a unique key prefix of a plan run under {out}"
    raise InputError([Problem(reference, "-", found, expected)])


def _scenario_folders(out: Path, scenario: str) -> list[Path]:
    if scenario:
        return [out / scenario]
    if not out.is_dir():
        raise InputError([Problem(str(out), "-", "no such folder", "the folder of the runs")])
    return sorted(path for path in out.iterdir() if path.is_dir() and not path.is_symlink())


def _latest(reference: str, out: Path, scenario_folders: list[Path]) -> Path:
    pointers = [
        pointer_path(folder, RunCommand.PLAN)
        for folder in scenario_folders
        if pointer_path(folder, RunCommand.PLAN).is_file()
    ]
    if len(pointers) != 1:
        found = (
            "no plan run"
            if not pointers
            else "plan runs of " + ", ".join(p.parent.name for p in pointers)
        )
        expected = f"one scenario's plan runs under {out} (or SCENARIO/latest)"
        raise InputError([Problem(reference, "-", found, expected)])
    pointer = read_manifest(pointers[0])
    return pointers[0].parent / pointer.folder


def _listed(folders: list[Path], out: Path) -> str:
    return ", ".join(folder.relative_to(out).as_posix() for folder in folders)


def read_manifest(path: Path) -> RunManifest:
    """A run's manifest (or a pointer), validated."""
    return _read_model(path, RunManifest, "a run manifest written by peaceforce")


def load_plan_run(folder: Path) -> SavedRun:
    """A plan run read back from its folder: ``run.json`` and ``plan.json``, each validated.

    Raises
    ------
    InputError
        Naming the file: not a run folder, a run of another command, a file that is not
        what peaceforce wrote, or a plan that is not the manifest's run.
    """
    manifest = read_manifest(folder / MANIFEST_FILE)
    if manifest.command is not RunCommand.PLAN:
        raise InputError(
            [
                Problem(
                    str(folder / MANIFEST_FILE),
                    "command",
                    manifest.command.value,
                    "a plan run (only plan runs are compared)",
                )
            ]
        )
    plan = _read_model(folder / PLAN_FILE, PlanResult, "a plan result written by peaceforce plan")
    if plan.run_key != manifest.run_key:
        raise InputError(
            [Problem(str(folder / PLAN_FILE), "run_key", plan.run_key, manifest.run_key)]
        )
    return SavedRun(folder, manifest, plan)


def load_run_scenario(folder: Path) -> Scenario:
    """The scenario a plan run ran on (``scenario.json``, what-ifs applied), validated."""
    return _read_model(folder / SCENARIO_FILE, Scenario, "a scenario written by peaceforce plan")


def add_run_files(folder: Path, written: Iterable[Path]) -> RunManifest:
    """Add files written later into a run's folder (``peaceforce brief``) to its manifest.

    The manifest, and the scenario's pointer when it names this run, are rewritten
    under the scenario folder's lock.
    """
    names = [path.relative_to(folder).as_posix() for path in written]
    with _locked(folder.parent):
        manifest = read_manifest(folder / MANIFEST_FILE)
        files = tuple(dict.fromkeys((*manifest.files, *names)))
        updated = manifest.model_copy(update={"files": files})
        write_atomic(folder / MANIFEST_FILE, updated.model_dump_json(indent=2))
        pointer = pointer_path(folder.parent, manifest.command)
        if pointer.is_file() and read_manifest(pointer).folder == folder.name:
            write_atomic(pointer, updated.model_dump_json(indent=2))
    return updated


def _read_model(path: Path, model: type[_Model], what: str) -> _Model:
    data = parse_json(read_file(path, what, MAX_JSON_BYTES), str(path))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            value = error["input"]
            shown = "nothing" if error["type"] == "missing" else _shown(value)
            where = format_path(error["loc"]) or "(top level)"
            problems.append(Problem(str(path), where, shown, f"{what}: {error['msg']}"))
        raise InputError(problems) from None


def _shown(value: Any) -> str:
    return type(value).__name__ if isinstance(value, dict | list) else repr(value)[:80]
