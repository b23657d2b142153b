"""`mediawatch report` says the period it wrote in the reader's words, as the report itself names it
("du 1er au 30 nov. 2026"), not as ISO dates ("2026-11-01 – 2026-11-30") in a French or Spanish sentence;
the file's default name keeps the ISO days, which sort."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli

SAID = {"fr": "du 1er au 30 nov. 2026", "en": "1–30 Nov 2026", "es": "del 1 al 30 de nov. de 2026"}


@pytest.mark.parametrize("lang", sorted(SAID))
def test_the_written_period_is_said_in_words(tmp_path, monkeypatch, db_url, lang):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.chdir(tmp_path)
    args = ["--db", db_url, "--lang", lang, "report", "--from", "2026-11-01", "--to", "2026-11-30"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    said = result.output.strip()
    assert SAID[lang] in said, said
    assert "2026-11-01 –" not in said
    assert (tmp_path / "report-2026-11-01_2026-11-30.html").is_file()
