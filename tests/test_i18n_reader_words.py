"""Words a person read in English or in codes whatever their language: a database URL the library cannot
use, the render checks, the failing sources, the "nothing to compose" and "cannot be sent" reasons and the
period in the editors' nightly mail.

Each case runs in English (the English words are really there) and in French and Spanish, where they are
not and the translated words are; logs and `--json` keep the English.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli

LOCALE_VARS = ("MEDIAWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def no_config(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    for name in (*LOCALE_VARS, "MEDIAWATCH_DB"):
        monkeypatch.delenv(name, raising=False)


# -- a database URL the database library refuses ------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "error: cannot open database foo://x/y: the database library says: Can't load plugin"),
        ("fr", "erreur : impossible d'ouvrir la base foo://x/y : la bibliothèque de bases de données "
               "indique : « Can't load plugin"),
        ("es", "error: no se puede abrir la base de datos foo://x/y: la biblioteca de bases de datos indica: "
               "«Can't load plugin"),
    ],
)  # fmt: skip
def test_a_database_url_the_library_refuses_is_said_in_words(no_config, lang, words):
    result = CliRunner().invoke(cli, ["--lang", lang, "--db", "foo://x/y", "sources", "health"])
    assert result.exit_code == 5, result.output
    assert words in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_refused_database_url_stays_english_in_logs():
    from mediawatch.errors import StorageError
    from mediawatch.store import open_store

    with pytest.raises(StorageError) as caught:
        open_store("postgresql+psycopg://mw:S3cret@h:notaport/db")
    assert str(caught.value) == (
        "cannot open database postgresql+psycopg://mw:***@h:notaport/db: "
        "the database library says: invalid literal for int() with base 10: 'notaport'"
    )
    assert "S3cret" not in caught.value.translated("fr")
