"""`sources import-opml FILE` with a FILE that cannot be read says why in the user's language, and calls
it the OPML file it is, not "the registry file" (the registry is the feeds folder it writes to); never the
operating system's English ("No such file or directory")."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli

WORDS = {
    "fr": ("impossible de lire le fichier OPML", "ce fichier n'existe pas"),
    "en": ("cannot read OPML file", "there is no such file"),
    "es": ("no se puede leer el archivo OPML", "ese archivo no existe"),
}


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_an_unreadable_opml_file_is_said_in_the_language(tmp_path, monkeypatch, lang):
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "config.toml"))
    cannot, missing = WORDS[lang]
    opml = str(tmp_path / "missing.opml")
    args = ["--feeds", str(tmp_path / "feeds"), "--lang", lang, "sources", "import-opml", opml]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    said = result.output.strip()
    assert said.count("\n") == 0, said
    assert opml in said
    assert cannot in said, said
    assert missing in said, said
    assert "registr" not in said  # registre, registry, registro
    assert "No such file" not in said
