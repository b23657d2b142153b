"""``python -m mediawatch`` and ``python -m mediawatch.cli`` run the same commands as the ``mediawatch``
script, in a real interpreter (a subprocess): no installed script is needed to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import mediawatch

# The code under test, whichever checkout the test process imported it from
CODE = str(Path(mediawatch.__file__).resolve().parents[1])


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": CODE, "MEDIAWATCH_LANG": "en"}
    env["MEDIAWATCH_CONFIG"] = str(tmp_path / "empty.toml")
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    return subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("module", ["mediawatch", "mediawatch.cli"])
def test_python_m_shows_the_command_line(tmp_path, module):
    shown = run(tmp_path, module, "--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Usage: mediawatch "), shown.stdout
    assert "nightly" in shown.stdout


def test_python_m_runs_a_command(tmp_path):
    listed = run(tmp_path, "mediawatch", "--db", str(tmp_path / "db.sqlite3"), "issues", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == ""
    wrong = run(tmp_path, "mediawatch", "no-such-command")
    assert wrong.returncode == 2
    assert "no-such-command" in wrong.stderr
