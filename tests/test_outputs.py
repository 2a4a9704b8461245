"""The one file writer: whole files or nothing, modes kept, odd targets refused, no litter."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.outputs import write_atomic


def test_replaces_the_whole_file_and_keeps_its_mode(tmp_path: Path) -> None:
    store = tmp_path / "incidents.jsonl"
    store.write_text("old\n", encoding="utf-8")
    store.chmod(0o600)
    write_atomic(store, "new\n")
    assert store.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incidents.jsonl"]


def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "sub" / "plan.json", b"{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "sub" / "plan.json").stat().st_mode) == 0o640


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_refuses_to_replace_what_is_not_a_regular_file(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target"
    if kind == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)
    with pytest.raises(InputError) as caught:
        write_atomic(target, "x")
    assert caught.value.problems[0].expected == "a writable file path"
    assert target.is_dir() if kind == "folder" else stat.S_ISFIFO(target.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_refuses_a_device() -> None:
    with pytest.raises(InputError, match="not a regular file"):
        write_atomic(Path("/dev/null"), "x")
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)


def test_writes_through_a_symlink_on_purpose(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new"


def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    """The process still dies of SIGTERM, and the folder holds only what was there."""
    (tmp_path / "plan.json").write_text("old", encoding="utf-8")
    script = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "import peaceforce.outputs as outputs\n"
        "real_fsync = os.fsync\n"
        "def fsync(fd):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    real_fsync(fd)\n"
        "outputs.os.fsync = fsync\n"
        f"outputs.write_atomic(Path({str(tmp_path / 'plan.json')!r}), 'new')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=False)
    assert done.returncode == -signal.SIGTERM, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]
    assert (tmp_path / "plan.json").read_text(encoding="utf-8") == "old"
