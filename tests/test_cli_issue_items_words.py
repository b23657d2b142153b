"""`mediawatch issues show` lists an issue's items with their section and status in the reader's words
("Politiques publiques", "proposé"), as the issue page does: not the codes "policy" and "proposed", and
their place counted from 1 as a person counts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from review_samples import make_issue, open_store

from mediawatch.cli import cli


@pytest.mark.parametrize(
    ("lang", "policy", "proposed"),
    [
        ("fr", "Politiques publiques", "proposé"),
        ("es", "Políticas públicas", "propuesto"),
        ("en", "Policy", "proposed"),
    ],
)
def test_items_say_section_and_status_in_words(tmp_path, monkeypatch, db_url, lang, policy, proposed):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.setenv("COLUMNS", "400")
    store = open_store(db_url)
    try:
        issue_id = make_issue(store)
    finally:
        store.close()
    result = CliRunner().invoke(cli, ["--db", db_url, "--lang", lang, "issues", "show", str(issue_id)])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "A soil law in Chile" in line]
    assert len(rows) == 1, result.output
    row = rows[0]
    assert f"{policy} 1" in row, row  # the first item of its section
    assert proposed in [cell.strip() for cell in row.split("│")], row
    if lang != "en":
        assert "policy" not in row
        assert "proposed" not in row
