"""The command as an administrator runs it: ``python -m mediawatch`` in a process of its own, in a home folder
of its own, with no MEDIAWATCH_* setting of the test run leaking in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def mediawatch(
    home: Path, *args: str, lang: str = "en", **env_extra: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWATCH_")}
    env.update(HOME=str(home), MEDIAWATCH_LANG=lang, PYTHONPATH=str(Path(__file__).parents[1]), **env_extra)
    return subprocess.run(
        [sys.executable, "-m", "mediawatch", *args],
        cwd=home, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
