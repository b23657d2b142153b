"""A date the user typed wrong is refused naming the option it was given to (--since, --until, --from,
--to, --at; `issues schedule --at`, a date and time), in the user's language, as every other bad value
is: with two date options on one command, "'soon' is not a date" alone does not say which to fix."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli

CASES = [
    (("articles", "list", "--since", "yesterday"), "--since"),
    (("articles", "search", "sols", "--since", "2026-12-01", "--until", "soon"), "--until"),
    (("stories", "list", "--since", "last week"), "--since"),
    (("compose", "newsletter", "--from", "2026-12-01", "--to", "soon"), "--to"),
    (("compose", "newsletter", "--from", "2026-13-01", "--to", "2026-12-31"), "--from"),
    (
        (
            "watches",
            "add",
            "Sols",
            "--query",
            "sols",
            "--every",
            "weekly",
            "--owner",
            "ana",
            "--until",
            "demain",
        ),
        "--until",
    ),
    (("nightly", "--at", "tonight"), "--at"),
    (("issues", "schedule", "newsletter-2026-12-07", "--at", "demain 8h", "--as", "ana"), "--at"),
]
WORDS = {"fr": "n'est pas une date", "en": "is not a date", "es": "no es una fecha"}


@pytest.mark.parametrize("lang", sorted(WORDS))
@pytest.mark.parametrize(("args", "option"), CASES, ids=[" ".join(c[0][:2]) + " " + c[1] for c in CASES])
def test_a_bad_date_names_its_option(tmp_path, monkeypatch, lang, args, option):
    (tmp_path / "config.toml").write_text(f'db = "{tmp_path / "mw.db"}"\n', encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("MEDIAWATCH_DB", raising=False)
    result = CliRunner().invoke(cli, ["--lang", lang, *args])
    assert result.exit_code == 2, result.output
    last = result.output.strip().splitlines()[-1]
    assert WORDS[lang] in last, last
    assert option in last, last
