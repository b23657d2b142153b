"""A team's own taxonomy for the tests: the packaged one with E2 renamed Z9 (a description of the team's
own, no catalogue name) and without the "events" theme."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from mediawatch.classify.taxonomy import DEFAULT_DIR

OWN = "Sols vivants du plan de l'équipe"  # Z9's description in the team's objectives.toml
TEAM_OBJECTIVES = ("A5", "B2", "B4", "C2", "E1", "F1", "Z9")  # sorted, as the filters offer them


def team_taxonomy(folder: Path, description: str = OWN) -> Path:
    own = folder / "taxonomy"
    shutil.copytree(DEFAULT_DIR, own, dirs_exist_ok=True)
    objectives = own / "objectives.toml"
    text, n = re.subn(
        r'\[objectives\.E2\]\ndescription = "[^"]*"',
        f'[objectives.Z9]\ndescription = "{description}"',
        (DEFAULT_DIR / "objectives.toml").read_text(encoding="utf-8"),
    )
    assert n == 1
    objectives.write_text(text, encoding="utf-8")
    themes = own / "themes.toml"
    text, n = re.subn(
        r"\[themes\.events\].*?(?=\[themes\.)", "", themes.read_text(encoding="utf-8"), flags=re.S
    )
    assert n == 1 or "[themes.events]" not in text
    themes.write_text(text, encoding="utf-8")
    return own
