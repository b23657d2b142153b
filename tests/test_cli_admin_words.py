"""An administrator's commands said right, run as the administrator runs them (the README's steps): the
command in a process of its own, with its own home folder, settings and registry, in each language."""

from __future__ import annotations

from pathlib import Path

import pytest
from process_samples import mediawatch

SOURCE = """[[source]]
id = "water"
name = "Water"
url = "https://example.org/feed"
kind = "rss"
language = "en"
region = "latin_america"
outlet_type = "institutional"
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "feeds").mkdir()
    return tmp_path


# -- sources list: languages, regions and outlet types in words ----------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words", "codes"),
    [
        ("fr", ["anglais", "Amérique latine", "institutionnel"], ["latin_america", "institutional"]),
        ("es", ["inglés", "América Latina", "institucional"], ["latin_america", "institutional"]),
        ("en", ["English", "Latin America"], ["latin_america"]),
    ],
)
def test_sources_list_says_language_region_and_outlet_type_in_words(home, lang, words, codes):
    (home / "feeds" / "water.toml").write_text(SOURCE, encoding="utf-8")
    done = mediawatch(home, "sources", "list", lang=lang)
    assert done.returncode == 0, done.stderr
    for word in words:
        assert word.lower() in done.stdout.lower(), done.stdout
    for code in codes:
        assert code not in done.stdout, done.stdout
    json_line = mediawatch(home, "sources", "list", "--json", lang=lang).stdout
    assert '"region": "latin_america"' in json_line  # scripts keep the codes


# -- users add --email: where the saved watches mail to, checked as `users update --email` checks it ----
def _password_file(home: Path) -> str:
    (home / "pw").write_text("correct horse battery staple\n", encoding="utf-8")
    return str(home / "pw")


def test_users_add_keeps_the_email_given(home):
    done = mediawatch(home, "users", "add", "maria", "--role", "admin", "--lang", "es", "--email",
                      " Maria@Agua.example.org ", "--password-file", _password_file(home))  # fmt: skip
    assert done.returncode == 0, done.stderr
    listed = mediawatch(home, "users", "list", "--json")
    assert '"email": "maria@agua.example.org"' in listed.stdout.lower(), listed.stdout


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "is not an email address"),
        ("fr", "n'est pas une adresse"),
        ("es", "no es una dirección de correo"),
    ],
)
def test_users_add_refuses_a_bad_email_naming_the_option_and_adds_no_one(home, lang, words):
    done = mediawatch(home, "users", "add", "maria", "--role", "admin", "--email", "maria at agua",
                      "--password-file", _password_file(home), lang=lang)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "--email" in done.stderr, done.stderr
    assert words in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert "maria" not in mediawatch(home, "users", "list", "--json").stdout


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "is not an email address"),
        ("fr", "n'est pas une adresse"),
        ("es", "no es una dirección de correo"),
    ],
)
def test_users_update_refuses_a_bad_email_naming_the_option_and_changes_nothing(home, lang, words):
    added = mediawatch(home, "users", "add", "maria", "--role", "editor", "--email", "maria@agua.example.org",
                       "--password-file", _password_file(home))  # fmt: skip
    assert added.returncode == 0, added.stderr
    done = mediawatch(home, "users", "update", "maria", "--role", "admin", "--email", "maria at agua",
                      lang=lang)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "--email" in done.stderr, done.stderr
    assert words in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    listed = mediawatch(home, "users", "list", "--json").stdout
    assert '"email": "maria@agua.example.org"' in listed, listed
    assert '"role": "editor"' in listed, listed  # refused whole: the role asked with it is not taken either


# -- taxonomy check FOLDER: a wrong folder is blamed on where it came from -----------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "is not a folder (argument of `mediawatch taxonomy check`)"),
        ("fr", "n'est pas un dossier (argument de `mediawatch taxonomy check`)"),
        ("es", "no es una carpeta (argumento de `mediawatch taxonomy check`)"),
    ],
)
def test_taxonomy_check_blames_the_argument_it_was_given(home, lang, words):
    done = mediawatch(home, "taxonomy", "check", str(home / "wrong"), lang=lang)
    assert done.returncode == 2, done.stderr
    assert str(home / "wrong") in done.stderr
    assert words in done.stderr, done.stderr
    assert "taxonomy_dir" not in done.stderr, done.stderr


def test_taxonomy_check_still_blames_the_setting_when_the_folder_came_from_it(home):
    done = mediawatch(home, "taxonomy", "check", MEDIAWATCH_TAXONOMY_DIR=str(home / "wrong"))
    assert done.returncode == 2, done.stderr
    assert "(setting taxonomy_dir, or MEDIAWATCH_TAXONOMY_DIR)" in done.stderr, done.stderr


# -- the registry's problems, said as sentences: "el campo url debe ser…", as config says "el ajuste…"
@pytest.mark.parametrize(
    ("lang", "words"),
    [("es", "el campo url debe ser una URL http(s)"), ("fr", "le champ url doit être une URL http(s)")],
)
def test_sources_add_says_a_bad_url_with_its_article(home, lang, words):
    done = mediawatch(home, "sources", "add", "--id", "agua", "--name", "Agua", "--url", "htp://nope",
                      "--language", "es", lang=lang)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert words in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("es", ["el campo name no debe estar vacío", "el campo enabled debe ser true o false"]),
        ("fr", ["le champ name ne doit pas être vide", "le champ enabled doit valoir true ou false"]),
    ],
)
def test_a_registry_file_s_problems_are_sentences(home, lang, words):
    for number, (key, value) in enumerate([("name", '""'), ("enabled", '"yes"')]):
        text = SOURCE.replace('id = "water"', f'id = "water-{number}"').replace(
            "example.org/feed", f"example.org/{number}"
        )
        text = (
            text.replace('name = "Water"', f"name = {value}")
            if key == "name"
            else text + f"{key} = {value}\n"
        )
        (home / "feeds" / "water.toml").write_text(text, encoding="utf-8")
        done = mediawatch(home, "sources", "list", lang=lang)
        assert done.returncode == 2, done.stderr
        assert words[number] in done.stderr, done.stderr


# -- the nightly's "nothing to compose": what its user can do, not options `nightly` does not have ----------
def test_the_nightly_s_nothing_to_compose_points_to_the_compose_command(home):
    done = mediawatch(home, "nightly", "--no-notify", "--at", "2026-12-01")
    assert done.returncode == 5, done.stderr  # no enabled source: nothing collected, compose still tried
    reasons = [line for line in done.stderr.splitlines() if '"compose.nothing"' in line]
    assert len(reasons) == 2, done.stderr  # the press review's week and the newsletter's month
    for line in reasons:
        assert "no issue composed, as no story in the period" in line, line
        assert "--from/--to" not in line, line
        assert "`mediawatch compose " in line, line
    assert "`mediawatch compose press-review --from DATE --to DATE`" in reasons[0], reasons[0]


# -- restore of a file that is not a backup: refused before a new SQLite file is made ------------------------
def test_restore_of_a_file_that_is_not_a_backup_leaves_no_new_database(home):
    (home / "notes.txt").write_text("not a backup\n", encoding="utf-8")
    database = home / "new.sqlite3"
    done = mediawatch(home, "--db", str(database), "restore", "notes.txt")
    assert done.returncode == 2, done.stderr
    assert "is not a mediawatch backup" in done.stderr, done.stderr
    assert not database.exists()
    assert list(home.glob("new.sqlite3*")) == []


# -- the registry folder from the environment: MEDIAWATCH_FEEDS_DIR (documented), MEDIAWATCH_FEEDS (older)
@pytest.mark.parametrize("variable", ["MEDIAWATCH_FEEDS_DIR", "MEDIAWATCH_FEEDS"])
def test_the_registry_folder_is_read_from_either_variable(home, variable):
    (home / "agua").mkdir()
    (home / "agua" / "water.toml").write_text(SOURCE, encoding="utf-8")
    done = mediawatch(home, "sources", "list", "--json", **{variable: str(home / "agua")})
    assert done.returncode == 0, done.stderr
    assert '"id": "water"' in done.stdout, done.stdout  # ./feeds, the default, is empty


# -- import-opml names the file it wrote to with its folder; an empty users list starts with an admin --------
def test_import_opml_names_the_registry_file_with_its_folder(home):
    (home / "subs.opml").write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="Water" type="rss" xmlUrl="https://example.org/feed"/></body></opml>',
        encoding="utf-8",
    )
    done = mediawatch(home, "--feeds", str(home / "agua"), "sources", "import-opml", "subs.opml")
    assert done.returncode == 0, done.stderr
    assert f"into {home / 'agua' / 'imported.toml'};" in done.stdout, done.stdout
    assert (home / "agua" / "imported.toml").exists()


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_empty_users_list_suggests_an_admin_first(home, lang):
    done = mediawatch(home, "users", "list", lang=lang)
    assert done.returncode == 0, done.stderr
    assert "--role admin`" in done.stdout, done.stdout
    assert "--role editor" not in done.stdout, done.stdout
