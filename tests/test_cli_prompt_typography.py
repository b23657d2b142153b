"""The password prompt of `users add` follows each language's typography: French puts a space before the
colon ("Mot de passe : "), as every other French message does; click's own suffix is English's ": "."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from review_samples import PASSWORD

from mediawatch.cli import cli

PROMPTS = {
    "fr": ("Mot de passe : ", "Répétez pour confirmer : "),
    "en": ("Password: ", "Repeat for confirmation: "),
    "es": ("Contraseña: ", "Repita para confirmar: "),
}


@pytest.mark.parametrize("lang", sorted(PROMPTS))
def test_password_prompts_read_right(tmp_path, monkeypatch, db_url, lang):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    args = ["--db", db_url, "--lang", lang, "users", "add", "ana", "--role", "editor"]
    result = CliRunner().invoke(cli, args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    first, again = PROMPTS[lang]
    assert result.output.startswith(first), result.output
    assert again in result.output, result.output
    if lang == "fr":
        assert "passe: " not in result.output
        assert "confirmer: " not in result.output
