"""Numbers and dates no database or calendar holds, given on the command line: a clear refusal (or
"nothing found"), never a traceback from an overflow."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli
from mediawatch.store import open_store

LOCALE_VARS = ("MEDIAWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "MEDIAWATCH_CONFIG")
HUGE = "99999999999999999999"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("hostile-cli") / "db.sqlite3"
    open_store(f"sqlite:///{path}").close()
    return str(path)


def run(db: str, *args: str, lang: str = "en"):
    env: dict[str, str | None] = {name: None for name in LOCALE_VARS} | {"MEDIAWATCH_DB": db}
    return CliRunner().invoke(cli, ["--lang", lang, *args], env=env)


@pytest.mark.parametrize(
    "args",
    [
        ("stories", "show", HUGE),
        ("stories", "show", "0"),
        ("articles", "list", "--since", "0001-01-01T00:00:00+14:00"),
        ("articles", "list", "--since", "9999-12-31"),
        ("articles", "list", "--since", "99999999999d"),
        ("report", "--to", "9999-12-31", "--out", "-"),
        ("report", "--from", "0001-01-01", "--out", "-"),
    ],
)
def test_out_of_range_values_are_refused(db: str, args: tuple[str, ...]) -> None:
    for lang in ("en", "fr"):
        result = run(db, *args, lang=lang)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [("issues", "show", HUGE), ("subscribers", "remove", HUGE)])
def test_an_id_past_the_database_names_nothing(db: str, args: tuple[str, ...]) -> None:
    result = run(db, *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code != 0
    assert HUGE in result.output
    assert "Traceback" not in result.output
    assert "Overflow" not in result.output


def test_a_day_within_reach_still_works(db: str, tmp_path: Path) -> None:
    assert run(db, "articles", "list", "--since", "1990-01-01").exit_code == 0
    assert run(db, "report", "--from", "1990-01-01", "--to", "2999-12-30", "--out", "-").exit_code == 0
