"""PSPLIB reader and benchmark script (``benchmarks/psplib.py``, ``benchmarks/rcpsp.py``):
real j30 files, broken copies of them, the report's table and JSON, the script's exit codes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from peaceforce.errors import InputError
from psplib import instance_paths, optima_beside, read_optima, read_sm
from rcpsp import RcpspBenchReport, render_rcpsp_bench, run_rcpsp_bench
from rcpsp import main as rcpsp_main


@pytest.fixture(scope="module")
def j30(shared_data: Path) -> Path:
    return shared_data / "benchmarks" / "rcpsp-j30"


@pytest.fixture(scope="module")
def j301_1_text(j30: Path) -> str:
    return (j30 / "j301_1.sm").read_text(encoding="ascii")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.sm"
    path.write_text(text, encoding="ascii")
    return path


def line_of(text: str, prefix: str) -> int:
    """1-based number of the first line starting (after spaces) with ``prefix``."""
    return next(
        k for k, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(prefix)
    )


def test_reads_j301_1(j30: Path) -> None:
    p = read_sm(j30 / "j301_1.sm")
    assert p.name == "j301_1"
    assert len(p.tasks) == 32
    assert [(r.id, r.capacity) for r in p.resources] == [
        ("R1", 12),
        ("R2", 13),
        ("R3", 4),
        ("R4", 12),
    ]
    by_id = {t.id: t for t in p.tasks}
    assert by_id["1"].duration == 0
    assert by_id["2"].duration == 8
    assert dict(by_id["2"].demands) == {"R1": 4}
    assert {(q.before, q.after) for q in p.precedences if q.before == "1"} == {
        ("1", "2"),
        ("1", "3"),
        ("1", "4"),
    }


def test_reads_every_j30_file(j30: Path) -> None:
    paths = instance_paths([j30])
    assert len(paths) == 100
    assert paths[:2] == [j30 / "j301_1.sm", j30 / "j301_2.sm"]
    for path in paths:
        assert len(read_sm(path).tasks) == 32


def test_non_integer_token_names_line_and_value(tmp_path: Path, j301_1_text: str) -> None:
    lines = j301_1_text.splitlines()
    k = line_of(j301_1_text, "REQUESTS/DURATIONS:") + 4  # job 2: header, columns, dashes, job 1
    lines[k - 1] = lines[k - 1].replace(" 8 ", " 8x ", 1)
    with pytest.raises(InputError) as err:
        read_sm(write(tmp_path, "\n".join(lines)))
    (problem,) = err.value.problems
    assert problem.file.endswith("broken.sm")
    assert problem.location == f"line {k}"
    assert problem.value == "'8x'"
    assert "duration" in problem.expected


def test_successor_out_of_range(tmp_path: Path, j301_1_text: str) -> None:
    lines = j301_1_text.splitlines()
    k = line_of(j301_1_text, "PRECEDENCE RELATIONS:") + 2  # job 1's row
    lines[k - 1] = "   1        1          3           2   3  99"
    with pytest.raises(InputError) as err:
        read_sm(write(tmp_path, "\n".join(lines)))
    (problem,) = err.value.problems
    assert (problem.location, problem.value) == (f"line {k}", "successor 99")


def test_missing_section_and_truncation(tmp_path: Path, j301_1_text: str) -> None:
    cut = j301_1_text[: j301_1_text.index("RESOURCEAVAILABILITIES")]
    with pytest.raises(InputError) as err:
        read_sm(write(tmp_path, cut))
    assert [p.location for p in err.value.problems] == ["end of file"]
    assert "RESOURCEAVAILABILITIES" in err.value.problems[0].value


def test_multi_mode_and_cycle_are_refused(tmp_path: Path, j301_1_text: str) -> None:
    lines = j301_1_text.splitlines()
    k = line_of(j301_1_text, "PRECEDENCE RELATIONS:") + 3  # job 2
    fields = lines[k - 1].split()
    fields[1] = "2"
    lines[k - 1] = "  ".join(fields)
    with pytest.raises(InputError) as err:
        read_sm(write(tmp_path, "\n".join(lines)))
    assert [(p.location, p.value) for p in err.value.problems] == [(f"line {k}", "2 modes")]
    # Job 32 (the sink) pointing back to job 1 closes a cycle.
    lines = j301_1_text.splitlines()
    sink = line_of(j301_1_text, "PRECEDENCE RELATIONS:") + 33
    lines[sink - 1] = "  32        1          1           1"
    with pytest.raises(InputError) as err:
        read_sm(write(tmp_path, "\n".join(lines)))
    (problem,) = err.value.problems
    assert problem.expected == "no cycle of precedences"
    assert problem.file.endswith("broken.sm")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_sm(tmp_path / "absent.sm")
    assert err.value.problems[0].value == "FileNotFoundError"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_corruption_is_an_input_error_or_parses(
    j301_1_text: str, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Replacing, deleting or duplicating any line never leaks another exception."""
    lines = j301_1_text.splitlines()
    k = data.draw(st.integers(0, len(lines) - 1))
    action = data.draw(st.sampled_from(["replace", "delete", "duplicate"]))
    if action == "replace":
        lines[k] = data.draw(st.text(alphabet="0123456789 -:Rx*", max_size=30))
    elif action == "delete":
        del lines[k]
    else:
        lines.insert(k, lines[k])
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.sm"
    path.write_text("\n".join(lines), encoding="ascii")
    try:
        read_sm(path)
    except InputError as err:
        assert err.problems
        assert all(p.file == str(path) for p in err.problems)


def test_read_optima_and_bad_rows(j30: Path, tmp_path: Path) -> None:
    optima = read_optima(j30 / "optimum.csv")
    assert len(optima) == 100
    assert optima["j301_1.sm"] == 43
    assert optima_beside([j30 / "j301_1.sm"]) == optima
    bad = tmp_path / "optimum.csv"
    bad.write_text("problem,optimum\nj301_1.sm,43\nj301_2.sm,forty\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_optima(bad)
    assert [p.location for p in err.value.problems] == ["line 3"]


def test_bench_report_table_and_json(j30: Path) -> None:
    paths = [j30 / "j301_1.sm", j30 / "j3010_10.sm"]
    seen: list[str] = []
    report = run_rcpsp_bench(
        paths, 20.0, read_optima(j30 / "optimum.csv"), on_row=lambda r: seen.append(r.instance)
    )
    assert seen == ["j301_1.sm", "j3010_10.sm"]
    assert [(r.makespan, r.optimum) for r in report.rows] == [(43, 43), (41, 41)]
    assert (report.summary.at_optimum, report.summary.instances) == (2, 2)
    again = RcpspBenchReport.model_validate_json(report.model_dump_json())
    assert again == report
    console = Console(width=120, record=True)
    console.print(render_rcpsp_bench(report))
    text = console.export_text()
    assert "j3010_10.sm" in text
    assert "at known optimum 2/2" in text


def test_bench_script_json(j30: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert rcpsp_main([str(j30 / "j301_1.sm"), "--time-limit", "10", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["rows"]
    assert row["makespan"] == row["optimum"] == 43


def test_bench_script_reports_a_bad_file_without_traceback(
    tmp_path: Path, j301_1_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, j301_1_text.replace("RESOURCEAVAILABILITIES", "RESOURCES"))
    assert rcpsp_main([str(bad), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "broken.sm" in captured.err
    assert "RESOURCEAVAILABILITIES" in captured.err
    assert "Traceback" not in captured.err
