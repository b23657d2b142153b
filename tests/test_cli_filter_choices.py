"""A theme or region filter typed wrong (`articles search --theme`, `--region`; the same check serves saved
watches and the watch page) lists the choices by name in the reader's language with the value to type,
"Politiques publiques (policy)", as `articles add --region` does, not the bare codes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli

NAMES = {
    "fr": ("Politiques publiques (policy)", "Amérique latine (latin_america)"),
    "en": ("Policy (policy)", "Latin America (latin_america)"),
    "es": ("Políticas públicas (policy)", "América Latina (latin_america)"),
}


@pytest.mark.parametrize("lang", sorted(NAMES))
def test_bad_theme_and_region_list_named_choices(tmp_path, monkeypatch, lang):
    (tmp_path / "config.toml").write_text(f'db = "{tmp_path / "mw.db"}"\n', encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("MEDIAWATCH_DB", raising=False)
    theme, region = NAMES[lang]
    for option, said in (("--theme", theme), ("--region", region)):
        result = CliRunner().invoke(cli, ["--lang", lang, "articles", "search", "sols", option, "mars"])
        assert result.exit_code == 2, result.output
        assert said in result.output, result.output
