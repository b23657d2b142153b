"""What a new team's administrator meets setting mediawatch up from the README, run as they run it: the
installed command in a process of its own, with its own home folder, config file and registry.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from process_samples import mediawatch


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "feeds").mkdir()
    return tmp_path


# -- subscribers add before mail is set up -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "set mail_from in [deliver] or MEDIAWATCH_FROM"),
        ("fr", "renseignez mail_from dans [deliver] ou MEDIAWATCH_FROM"),
        ("es", "indique mail_from en [deliver] o MEDIAWATCH_FROM"),
    ],
)
def test_subscribers_add_without_mail_settings_says_it_once_in_your_language(home, lang, words):
    (home / "config.toml").write_text('[web]\nbase_url = "https://news.example.org"\n', encoding="utf-8")
    done = mediawatch(
        home, "--config", "config.toml", "subscribers", "add", "ana@example.org", "--language", "es",
        "--publication", "newsletter", lang=lang,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines  # not a log line in English besides the sentence in the reader's language
    assert "ana@example.org" in lines[0]
    assert words in lines[0], lines


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_subscribers_add_ends_the_reason_with_one_full_stop(home, lang):
    done = mediawatch(
        home, "subscribers", "add", "ana@example.org", "--language", "es", "--publication", "newsletter",
        lang=lang,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "allow_private_links = true" in done.stderr  # base_url is still the trial address
    assert ".." not in done.stderr, done.stderr


# -- sources add: a bad option is named as the option the person typed --------------------------------------
@pytest.mark.parametrize(
    ("args", "option", "words"),
    [
        (("--id", "bad", "--url", "htp://nope"), "--url", "url must be an http(s) URL"),
        (("--id", "Water 3", "--url", "https://example.org/3"), "--id", "id must be a slug"),
        (("--id", "water", "--url", "https://example.org/2"), "--id", "id already used in feeds/local.toml"),
        (("--id", "water-2", "--url", "https://example.org/feed"), "--url", "already used by source “water”"),
    ],
)
def test_sources_add_names_the_option_at_fault(home, args, option, words):
    first = mediawatch(home, "sources", "add", "--id", "water", "--name", "Water", "--url",
                       "https://example.org/feed", "--language", "en")  # fmt: skip
    assert first.returncode == 0, first.stderr
    before = (home / "feeds" / "local.toml").read_bytes()

    done = mediawatch(home, "sources", "add", "--name", "Agua", "--language", "es", *args)

    assert done.returncode == 2, done.stderr
    assert f"{option}:" in done.stderr, done.stderr
    assert words in done.stderr, done.stderr
    assert "error: feeds/local.toml:" not in done.stderr  # the person typed options, not that file
    assert (home / "feeds" / "local.toml").read_bytes() == before


def test_sources_add_names_the_option_in_spanish(home):
    done = mediawatch(home, "sources", "add", "--id", "agua", "--name", "Agua", "--url", "htp://nope",
                      "--language", "es", lang="es")  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "--url:" in done.stderr, done.stderr
    assert "debe ser una URL http(s)" in done.stderr, done.stderr


# -- restore: where the secret key of the restored database must go ----------------------------------------
@pytest.mark.parametrize(("lang", "words"), [("en", "copy"), ("fr", "copiez"), ("es", "copie")])
def test_restore_into_a_new_database_says_where_the_secret_key_goes(home, lang, words):
    old, new = home / "old.sqlite3", home / "new.sqlite3"
    assert mediawatch(home, "--db", str(old), "users", "list").returncode == 0
    (home / "old.sqlite3.secret-key").write_text("k" * 48, encoding="utf-8")  # as `serve` made it
    assert mediawatch(home, "--db", str(old), "backup", "watch.mwbackup").returncode == 0

    done = mediawatch(home, "--db", str(new), "restore", "watch.mwbackup", lang=lang)

    assert done.returncode == 0, done.stderr
    assert f"{new}.secret-key" in done.stderr, done.stderr  # the restored database's own key file
    assert words in done.stderr, done.stderr
