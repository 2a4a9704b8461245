"""Coverage-guided fuzzing of every reader with atheris (libFuzzer): what ``make fuzz`` runs.

The hypothesis properties in ``tests/test_fuzz_readers.py`` and
``tests/test_fuzz_cot.py`` run in every ``make test`` with a few hundred inputs
each; this runs the same readers on as many inputs as asked, guided by the
code each input reaches, and stops at the first input that breaks the rule:
a reader gives a result or an ``InputError`` whose problems name a file, a
place and an expectation — nothing else (a traceback), within 10 s per input
(libFuzzer's ``-timeout``: a hang) and 2 GiB of resident memory
(``-rss_limit_mb``: an expansion attack).

Each target runs in a child process of its own, two at a time (``--jobs``),
seeded from real inputs: the built-in scenario's files and agreements, a
DeepStateMap snapshot and the first records of the UCDP extract from
``../shared/data`` (read where they lie, never copied), and a CoT feed; a
dictionary of hostile tokens (quotes, brackets, aliases, tags, ``1e400``,
BOMs, impossible dates, DTDs) steers the mutations. The table at the end gives
inputs run, failures, inputs per second and edges of code covered per target.

Run: ``.venv/bin/python tools/fuzz.py [--runs N] [--jobs J] [--only NAME ...] [--json FILE]``
(``--runs``: inputs per target, default 10,000; the whole-scenario and
workbook targets run a tenth). A failing input is kept as ``crash-*`` / ``timeout-*`` / ``oom-*``
under ``--artifacts`` (default ``fuzz-artifacts/``) and replayed with
``tools/fuzz.py --child TARGET --replay FILE``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import weakref
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
#: libFuzzer's limits: seconds per input (a hang) and resident memory (an expansion).
TIMEOUT_S = 10
RSS_LIMIT_MB = 2048
#: The longest input a mutation may make, in bytes (the bases are up to about 100 KB).
MAX_LEN = 262_144
#: Where the parent tells a child to keep its scratch files.
WORKDIR_VARIABLE = "PEACEFORCE_FUZZ_WORKDIR"
#: Tokens that break parsers, given to libFuzzer as a dictionary.
HOSTILE_TOKENS = [
    b'"', b"'", b",", b";", b"\n", b"\r\n", b"\t", b"\x00", b"\xef\xbb\xbf", b"\x92", b"\xff",
    b"[", b"]", b"{", b"}", b":", b"- ", b"&a ", b"*a", b"!!python/object ", b"<<: ", b"? ",
    b"---\n", b"1e400", b"NaN", b"-Infinity", b"99999999999", b"2025-13-45",
    b"9999-12-31T23:59:59-05:00", b"\\ud800", b"null", b'<!DOCTYPE x [<!ENTITY a "b">]>',
    b"&a;", b"<event ", b"</event>", b"<![CDATA[", b'"type": "GeometryCollection"',
    b'"crs": null', b"9" * 400, b"[" * 120,
]  # fmt: skip


def dictionary_entry(token: bytes) -> str:
    """A token as a line of a libFuzzer dictionary, which knows only ``\\xAB`` escapes."""
    return (
        '"'
        + "".join(chr(b) if 0x20 <= b < 0x7F and b not in b'"\\' else f"\\x{b:02X}" for b in token)
        + '"\n'
    )


@dataclass(frozen=True)
class Outcome:
    """What one target's run gave."""

    target: str
    inputs: int
    failures: int
    inputs_per_s: float
    edges: int
    seconds: float
    artifact: str | None


# --- the targets: each takes the bytes of one input ---------------------------------------


def _targets() -> dict[str, Callable[[bytes], object]]:
    """Every reader, as a function of one input's bytes (imported under instrumentation)."""
    from peaceforce.geo.geojson import parse_geojson
    from peaceforce.monitoring.agreement.load import parse_agreement
    from peaceforce.monitoring.intake import parse_incidents
    from peaceforce.parsing import parse_json, parse_table, parse_yaml

    def intake(kind: Any, name: str) -> Callable[[bytes], object]:
        return lambda data: parse_incidents(data, kind, source=name)

    return {
        "scenario": _ScenarioFolder().load,
        "yaml": lambda data: parse_yaml(data, "f.yaml"),
        "agreement": lambda data: parse_agreement(data, file="agreement.yaml"),
        "csv": lambda data: parse_table(data, "f.csv"),
        "incident-csv": intake("csv", "feed.csv"),
        "ucdp": intake("ucdp", "ged.csv"),
        "json": lambda data: parse_json(data, "f.json"),
        "geojson": lambda data: parse_geojson(data, "f.geojson", keep_broken=True),
        "frontline": lambda data: parse_geojson(
            data, "occupied.geojson", kinds=("MultiPolygon",), valid=True
        ),
        "geojson-intake": intake("geojson", "reports.geojson"),
        "jsonl": intake("jsonl", "store.jsonl"),
        "cot": intake("cot", "feed.cot"),
        "workbook": _Workbook().read,
    }


class _ScenarioFolder:
    """The built-in scenario copied once; an input replaces one of its files, then it is loaded.

    The input's first byte picks the file (the built-in files in name order),
    the rest is its content; the original is put back after each load.
    """

    def __init__(self) -> None:
        from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario

        self._load = load_scenario
        # under the parent's scratch folder, which it removes: libFuzzer ends the child
        # abruptly; run in-process (the tests), under one removed with this object
        scratch = os.environ.get(WORKDIR_VARIABLE)
        if scratch is None:
            scratch = tempfile.mkdtemp(prefix="fuzz-")
            weakref.finalize(self, shutil.rmtree, scratch, ignore_errors=True)
        self.folder = Path(tempfile.mkdtemp(dir=scratch)) / "scenario"
        shutil.copytree(builtin_scenario_dir(), self.folder)
        self.files = scenario_files(self.folder)
        self.originals = {name: (self.folder / name).read_bytes() for name in self.files}

    def load(self, data: bytes) -> object:
        if not data:
            return None
        name = self.files[data[0] % len(self.files)]
        (self.folder / name).write_bytes(data[1:])
        try:
            return self._load(self.folder)
        finally:
            (self.folder / name).write_bytes(self.originals[name])


class _Workbook:
    """The built-in scenario's workbook; an input replaces one of its parts, then it is read.

    The input's first byte picks the part (in name order), the rest is its
    content, zipped again with the others: mutating the zip itself would mostly
    test its checksums.
    """

    def __init__(self) -> None:
        from peaceforce.scenario.workbook import read_scenario_sheets

        self._read = read_scenario_sheets
        self.parts = workbook_parts()
        self.names = sorted(self.parts)

    def read(self, data: bytes) -> object:
        if not data:
            return None
        chosen = self.names[data[0] % len(self.names)]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in self.names:
                archive.writestr(name, data[1:] if name == chosen else self.parts[name])
        return self._read(buffer.getvalue(), "book.xlsx")


def workbook_parts() -> dict[str, bytes]:
    """The parts of the workbook ``export-xlsx`` writes for the built-in scenario."""
    from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
    from peaceforce.scenario.workbook import scenario_workbook

    book = scenario_workbook(load_scenario(builtin_scenario_dir()), origin="fuzz")
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def scenario_files(folder: Path) -> list[str]:
    """The scenario files an input may replace (protection data is read by another stage)."""
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != "protection.yaml")


def check(read: Callable[[bytes], object], data: bytes) -> None:
    """The rule: a result, or an ``InputError`` whose every problem names file, place, expectation.

    Anything else escapes and libFuzzer records the input as a crash.
    """
    from peaceforce.errors import InputError

    try:
        read(data)
    except InputError as exc:
        if not exc.problems:
            raise AssertionError("an InputError with no problem") from exc
        for problem in exc.problems:
            if not (problem.file and problem.location and problem.expected):
                raise AssertionError(f"a problem that names too little: {problem}") from exc


# --- seeds ---------------------------------------------------------------------------------

_COT_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<events>
<event version="2.0" uid="cot-1" type="a-h-G-E-W-R" time="2025-04-10T06:00:00Z"
       start="2025-04-10T05:58:00Z" stale="2025-04-10T07:00:00Z" how="m-g">
  <point lat="48.1" lon="37.8" hae="0" ce="25" le="10"/>
  <detail><__incident weapon_count="6" attributed_to="RUS" attribution_confidence="0.7"/>
    <remarks>Grad battery in firing position</remarks><link url="https://evidence.example/1"/>
  </detail>
</event>
<event uid="cot-2" type="b-r-f-h-c" time="2025-04-10T06:09:00Z"><point lat="47" lon="37"/></event>
</events>
"""
_INCIDENT_CSV = (
    b"id,time,lon,lat,mgrs,type,source,confidence,weapon_class,weapon_count,evidence,"
    b"classification,releasable_to\n"
    b"r1,2025-04-10T06:00:00Z,37.8,48.1,,artillery,patrol,0.8,,,p-1;p-2,,\n"
    b'r2,2025-04-10T07:00:00,,,37UDQ 12345 67890,weapons_sighting,uav,0.6,mlrs,4,"a,b",'
    b"RESTRICTED,GBR FRA\n"
)
_GEOJSON_REPORTS = (
    b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
    b'{"type": "Point", "coordinates": [37.8, 48.1]}, "properties": {"id": "g1", '
    b'"time": "2025-04-10T06:00:00Z", "type": "drone", "source": "uav", '
    b'"releasable_to": "GBR FRA"}}]}'
)


def _shared(relative: str, lines: int | None = None) -> bytes:
    path = SHARED / relative
    if not path.is_file():
        sys.exit(f"fuzz: shared data not found at {path}")
    data = path.read_bytes()
    return data if lines is None else b"\n".join(data.split(b"\n")[:lines]) + b"\n"


def seeds(target: str) -> list[bytes]:
    """Real inputs for a target to start from."""
    from peaceforce.monitoring.agreement import builtin_agreements
    from peaceforce.scenario.loader import builtin_scenario_dir

    scenario = builtin_scenario_dir()
    files = scenario_files(scenario)
    yaml_files = [(scenario / n).read_bytes() for n in files if n.endswith(".yaml")]
    agreements = [path.read_bytes() for path in builtin_agreements().values()]
    frontline = _shared("frontline/occupied_20250402.geojson")
    jsonl = b'{"id": "j1", "time": "2025-04-10T06:00:00Z", "lon": 37.8, "lat": 48.1, '
    jsonl += b'"type": "drone", "source": "uav"}\n{"id": "j2"}\n'
    return {
        "scenario": [bytes([i]) + (scenario / n).read_bytes() for i, n in enumerate(files)],
        "yaml": yaml_files + agreements,
        "agreement": agreements,
        "csv": [(scenario / "pledges.csv").read_bytes(), _INCIDENT_CSV],
        "incident-csv": [_INCIDENT_CSV],
        "ucdp": [_shared("events/ucdp_ged_ukraine.csv", lines=58)],
        "json": [_GEOJSON_REPORTS, frontline, jsonl.split(b"\n")[0]],
        "geojson": [_GEOJSON_REPORTS, frontline, (scenario / "areas.geojson").read_bytes()],
        "frontline": [frontline],
        "geojson-intake": [_GEOJSON_REPORTS],
        "jsonl": [jsonl],
        "cot": [_COT_FEED],
        "workbook": [
            bytes([i]) + content for i, (_, content) in enumerate(sorted(workbook_parts().items()))
        ],
    }[target]


# --- the child: one target under atheris ---------------------------------------------------


def child(target: str, libfuzzer_args: list[str], replay: Path | None) -> None:
    """Run one target under atheris (or replay one input through it, uninstrumented)."""
    if replay is not None:
        check(_targets()[target], replay.read_bytes())
        print(f"{target}: {replay} gives a result or an InputError")
        return
    try:
        import atheris
    except ImportError:
        sys.exit("fuzz: atheris is not installed (pip install atheris; wheels: Linux x86_64)")

    with atheris.instrument_imports(include=["peaceforce"]):
        read = _targets()[target]

    def one_input(data: bytes) -> None:
        check(read, data)

    atheris.Setup([sys.argv[0], *libfuzzer_args], one_input)
    atheris.Fuzz()


# --- the parent: every target, a table -----------------------------------------------------

_DONE = re.compile(rb"#(\d+)\s+DONE\s+cov: (\d+).*?exec/s: (\d+)")
_PROGRESS = re.compile(rb"#(\d+)\s+\w+\s+cov: (\d+)")
_ARTIFACT = re.compile(rb"Test unit written to (\S+)")


def run_target(target: str, runs: int, workdir: Path, artifacts: Path) -> Outcome:
    """Fuzz one target for ``runs`` inputs in a child process and read libFuzzer's account."""
    corpus = workdir / target
    corpus.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(seeds(target)):
        (corpus / f"seed-{index}").write_bytes(seed)
    dictionary = workdir / "hostile.dict"
    dictionary.write_text("".join(dictionary_entry(token) for token in HOSTILE_TOKENS))
    artifacts.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        __file__,
        "--child",
        target,
        f"-runs={runs}",
        f"-timeout={TIMEOUT_S}",
        f"-rss_limit_mb={RSS_LIMIT_MB}",
        f"-max_len={MAX_LEN}",
        f"-dict={dictionary}",
        f"-artifact_prefix={artifacts}/{target}-",
        "-print_final_stats=1",
        str(corpus),
    ]
    began = time.monotonic()
    environment = os.environ | {WORKDIR_VARIABLE: str(workdir)}
    completed = subprocess.run(command, capture_output=True, check=False, env=environment)
    seconds = time.monotonic() - began
    log = completed.stderr
    (workdir / f"{target}.log").write_bytes(log)
    done = _DONE.search(log)
    progress = _PROGRESS.findall(log)
    inputs = int(done.group(1)) if done else int(progress[-1][0]) if progress else 0
    edges = int(done.group(2)) if done else int(progress[-1][1]) if progress else 0
    written = _ARTIFACT.search(log)
    failed = completed.returncode != 0
    # the failing input's file, or libFuzzer's last words when it wrote none
    artifact = written.group(1).decode() if written else log[-400:].decode() if failed else None
    return Outcome(
        target=target,
        inputs=inputs,
        failures=1 if failed else 0,
        inputs_per_s=inputs / seconds if seconds else 0.0,
        edges=edges,
        seconds=seconds,
        artifact=artifact,
    )


def table(outcomes: list[Outcome]) -> str:
    """The run as a Markdown table, with a total row."""
    rows = [
        "| target | inputs | failures | inputs/s | edges covered | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        rows.append(
            f"| {o.target} | {o.inputs:,} | {o.failures} | {o.inputs_per_s:,.0f} | {o.edges:,} "
            f"| {o.seconds:,.0f} |"
        )
    total = sum(o.inputs for o in outcomes)
    rows.append(
        f"| **all** | **{total:,}** | **{sum(o.failures for o in outcomes)}** | | | "
        f"{sum(o.seconds for o in outcomes):,.0f} |"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--child"]:
        replay = None
        if len(args) >= 4 and args[2] == "--replay":
            replay = Path(args[3])
        child(args[1], args[2:], replay)
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="inputs per target")
    parser.add_argument("--jobs", type=int, default=2, help="targets fuzzed at once")
    parser.add_argument("--only", nargs="*", help="targets to run (default: all)")
    parser.add_argument("--artifacts", type=Path, default=Path("fuzz-artifacts"))
    parser.add_argument("--json", type=Path, help="also write the outcomes here")
    options = parser.parse_args(args)
    names = options.only or list(TARGET_NAMES)
    unknown = sorted(set(names) - set(TARGET_NAMES))
    if unknown:
        parser.error(f"unknown targets {unknown}; expected some of {list(TARGET_NAMES)}")
    from concurrent.futures import ThreadPoolExecutor

    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch:

        def one(name: str) -> Outcome:
            runs = max(1, options.runs // 10) if name in SLOW_TARGETS else options.runs
            outcome = run_target(name, runs, Path(scratch), options.artifacts.resolve())
            print(f"{name}: {outcome.inputs:,} inputs, {outcome.failures} failures", flush=True)
            return outcome

        with ThreadPoolExecutor(max_workers=options.jobs) as pool:
            outcomes = list(pool.map(one, names))
    print(table(outcomes))
    if options.json:
        options.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n")
    return 1 if any(o.failures for o in outcomes) else 0


#: Targets whose every input loads a whole scenario or workbook: a tenth of the runs.
SLOW_TARGETS = ("scenario", "workbook")
#: The target names, without importing the product (the parent needs no instrumentation).
TARGET_NAMES = (
    "scenario", "yaml", "agreement", "csv", "incident-csv", "ucdp", "json", "geojson",
    "frontline", "geojson-intake", "jsonl", "cot", "workbook",
)  # fmt: skip

if __name__ == "__main__":
    sys.exit(main())
