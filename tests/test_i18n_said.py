"""The last messages a person read in English or as codes, now said in their language: the article table's
states and languages, subscriber imports, SMTP, DKIM and bounce settings, the taxonomy file, a host's
problem inside a registry message, the store's conflicts.

Like tests/test_i18n_cli.py, each case runs in English (the English words are really there, so the case
tests a real message) and then in French and Spanish, where they are not and the translated words are.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from review_samples import add_team, make_issue

from mediawatch.cli import cli
from mediawatch.collect.decide import SourceState
from mediawatch.i18n import t
from mediawatch.store import NewEntry, PageOutcome, open_store
from mediawatch.types import FetchEvent, FetchStatus, PartialReason, Source, SourceKind

LOCALE_VARS = ("MEDIAWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")
AT = datetime(2026, 11, 20, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    root: Path
    slug: str = ""

    def run(self, lang: str, *args: str, config: str = "empty.toml", stdin: str | None = None):
        env: dict[str, str | None] = {name: None for name in LOCALE_VARS}
        env |= {"MEDIAWATCH_CONFIG": str(self.root / config), "MEDIAWATCH_DB": str(self.root / "db.sqlite3")}
        argv = ["--lang", lang, "--feeds", str(self.root / "feeds"), *args]
        return CliRunner().invoke(cli, argv, env=env, input=stdin, catch_exceptions=False)


def _two_articles(root: Path) -> None:
    """One article waiting for its page (in English), one kept as its feed summary behind a paywall."""
    store = open_store(f"sqlite:///{root / 'db.sqlite3'}")
    try:
        store.sync_sources([Source("presse", "Presse", "https://presse.example/rss", SourceKind.RSS, "fr")])
        entries = [
            NewEntry(
                url=u, raw_url=u, title=title, summary="résumé", author="", published=AT, feed_language=lang
            )
            for u, title, lang in (
                ("https://presse.example/a", "Sols vivants", "fr"),
                ("https://presse.example/b", "Living soils", "en"),
            )
        ]
        event = FetchEvent("presse", AT, FetchStatus.OK, 200, "", 2, 2)
        paywalled, _ = store.save_feed_poll("presse", SourceState(), event, entries)
        outcome = PageOutcome(final=True, partial_reason=PartialReason.PAYWALL, partial_detail="paywall")
        store.complete_article(paywalled.id, outcome, AT, timedelta(hours=1))
    finally:
        store.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("i18n-said")
    (root / "empty.toml").write_text("", encoding="utf-8")
    (root / "feeds").mkdir()
    (root / "latin1.txt").write_bytes("Édito".encode("latin-1"))
    _two_articles(root)
    store = open_store(f"sqlite:///{root / 'db.sqlite3'}")
    try:
        add_team(store)
        issue = store.find_issue(make_issue(store))
    finally:
        store.close()
    return World(root, issue.slug)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["waiting", "summary only (paywall)", "French", "English"]),
        ("fr", ["à récupérer", "résumé seul (accès payant)", "français", "anglais"]),
        ("es", ["pendiente", "solo el resumen (muro de pago)", "francés", "inglés"]),
    ],
)
def test_articles_list_says_states_and_languages_in_words(world, lang, words):
    result = world.run(lang, "articles", "list")
    assert result.exit_code == 0, result.output
    for word in words:
        assert word in result.output, (lang, result.output)
    table, foot = result.output.rstrip().rsplit("\n", 1)  # the foot says the times' zone ("Heures en …")
    assert "UTC" in foot, result.output
    codes = ("pending", "partial", " fr ", " en ") + (("paywall",) if lang != "en" else ())
    for code in codes:
        assert code not in table, (lang, code, result.output)


def test_articles_list_json_keeps_codes(world):
    result = world.run("fr", "articles", "list", "--json")
    assert '"state": "partial"' in result.output
    assert '"partial_reason": "paywall"' in result.output
    assert '"language": "fr"' in result.output
    assert "résumé seul" not in result.output


def error_prefix(lang: str) -> str:
    return t("error.prefix", lang, message="")


CSV = (
    "email;language;publications;fallback\n"
    "ok@example.org;fr;newsletter;\n"
    "two@example.org;de;newsletter;\n"
    "three@example.org;es;newsletter;xx\n"
)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["line 3, column language (two@example.org): unknown language “de”",
                "line 4, column fallback (three@example.org): unknown language “xx”"]),
        ("fr", ["ligne 3, colonne language (two@example.org) : langue inconnue «\u00a0de\u00a0»",
                "ligne 4, colonne fallback (three@example.org) : langue inconnue «\u00a0xx\u00a0»"]),
        ("es", ["línea 3, columna language (two@example.org): idioma desconocido «de»",
                "línea 4, columna fallback (three@example.org): idioma desconocido «xx»"]),
    ],
)  # fmt: skip
def test_a_bad_csv_line_names_its_line_and_column(tmp_path, lang, words):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    (tmp_path / "feeds").mkdir()
    path = tmp_path / "list.csv"
    path.write_text(CSV, encoding="utf-8")
    result = World(tmp_path).run(lang, "subscribers", "import-csv", str(path))
    assert result.exit_code == 4, result.output
    for line in words:
        assert line in result.output, result.output


@pytest.mark.parametrize(
    ("content", "english"),
    [
        ("", "the CSV file is empty"),
        ("mail,lang\nx@example.org,fr\n", "the CSV header lacks column(s) email, language, publications"),
        (b"email,language,publications\n\xff@example.org,fr,newsletter\n", "is not UTF-8 text"),
    ],
)
def test_a_broken_csv_file_is_said_in_the_language(tmp_path, content, english):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    (tmp_path / "feeds").mkdir()
    path = tmp_path / "list.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    world = World(tmp_path)
    said = {lang: world.run(lang, "subscribers", "import-csv", str(path)) for lang in ("en", "fr", "es")}
    assert english in said["en"].output
    for lang in ("fr", "es"):
        assert said[lang].exit_code == 2, said[lang].output
        assert english not in said[lang].output
        assert error_prefix(lang) in said[lang].output
        assert "list.csv" in said[lang].output


def test_a_block_added_names_its_kind_and_edition_in_words(world):
    args = ("issues", "block", "add", world.slug, "--lang", "es", "--kind", "key_figure", "--title", "4 ‰",
            "--body", "del carbono de los suelos cada año")  # fmt: skip
    french = world.run("fr", *args, "--as", "ana")
    assert french.exit_code == 0, french.output
    assert "(chiffre clé) ajouté à l'édition en espagnol de" in french.output
    listed = world.run("es", "issues", "block", "list", world.slug)
    assert "español" in listed.output, listed.output
    assert "  es  " not in listed.output


@pytest.mark.parametrize(
    ("option", "english"),
    [
        (("--link", "ftp://x.example/a"), "a block link must start with https:// or http://"),
        (("--body-file", "{root}/nofile"), "cannot read"),
        (("--body-file", "{root}/latin1.txt"), "cannot read"),
    ],
)
def test_a_bad_block_option_is_said_in_the_language(world, option, english):
    name, value = option
    args = ("issues", "block", "add", world.slug, "--lang", "fr", "--kind", "agenda", "--title", "Agenda")
    if name != "--body-file":  # the text a block needs, so the option at fault is the one refused
        args += ("--body", "Atelier le 15 janvier")
    runs = {
        lang: world.run(lang, *args, name, value.format(root=world.root), "--as", "ana")
        for lang in ("en", "fr", "es")
    }
    assert english in runs["en"].output, runs["en"].output
    for lang in ("fr", "es"):
        assert runs[lang].exit_code == 2, runs[lang].output
        assert english not in runs[lang].output
        assert error_prefix(lang) in runs[lang].output
        assert name in runs[lang].output or value.rsplit("/", 1)[-1] in runs[lang].output


MAIL_SETTINGS = {
    "smtp scheme": ('smtp_url = "http://mail.example.org"', "smtp_url must start with smtp://"),
    "smtp host": ('smtp_url = "smtp://"', "smtp_url has no host"),
    "smtp parameter": ('smtp_url = "smtp://mail.example.org?tls=1"', "unknown parameter(s) tls"),
    "smtp port": ('smtp_url = "smtp://mail.example.org:99999"', "the port must be a whole number"),
    "smtp clear": ('smtp_url = "smtp://u:p@mail.example.org"', "refusing to send the password for “u”"),
    "sender": ('smtp_url = "smtp://127.0.0.1:9"\nmail_from = "nobody"', "has no email address"),
    "dkim half": ('smtp_url = "smtp://127.0.0.1:9"\ndkim_selector = "s1"', "DKIM needs dkim_key_file"),
    "dkim file": (
        'smtp_url = "smtp://127.0.0.1:9"\ndkim_selector = "s1"\ndkim_key_file = "{root}/nokey.pem"',
        "cannot read the DKIM key",
    ),
    "dkim pem": (
        'smtp_url = "smtp://127.0.0.1:9"\ndkim_selector = "s1"\ndkim_key_file = "{root}/empty.toml"',
        "is not a PEM private key",
    ),
}


@pytest.mark.parametrize("name", sorted(MAIL_SETTINGS))
def test_a_bad_mail_setting_is_said_in_the_language(tmp_path, name):
    """What `send`, `send --test` and the nightly job say when the [deliver] settings cannot work."""
    from mediawatch.config import load_settings
    from mediawatch.deliver.identity import mail_identity, smtp_config
    from mediawatch.errors import ConfigError

    setting, english = MAIL_SETTINGS[name]
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    deliver = setting.format(root=tmp_path)
    if "mail_from" not in deliver:
        deliver += '\nmail_from = "Watch <watch@example.org>"'
    db = f'db = "{tmp_path / "db.sqlite3"}"'
    (tmp_path / "mail.toml").write_text(f"{db}\n[deliver]\n{deliver}\n", encoding="utf-8")
    settings = load_settings(str(tmp_path / "mail.toml"), env={})

    def check() -> None:
        smtp_config(settings)
        mail_identity(settings)

    with pytest.raises(ConfigError) as refused:
        check()
    assert english in str(refused.value)
    for lang in ("fr", "es"):
        said = refused.value.translated(lang)
        assert english not in said, (lang, said)
        assert said != str(refused.value)


@pytest.mark.parametrize(
    ("target", "english"), [("folder", "is a folder but not a Maildir"), ("fifo", "no mailbox at")]
)
def test_a_bad_mailbox_is_said_in_the_language(world, target, english):
    (world.root / "folder").mkdir(exist_ok=True)
    if not (world.root / "fifo").exists():
        os.mkfifo(world.root / "fifo")  # exists, yet neither a folder nor a file
    runs = {
        lang: world.run(lang, "bounces", "import", str(world.root / target)) for lang in ("en", "fr", "es")
    }
    assert english in runs["en"].output, runs["en"].output
    for lang in ("fr", "es"):
        assert runs[lang].exit_code == 2, runs[lang].output
        assert english not in runs[lang].output
        assert error_prefix(lang) in runs[lang].output


def test_a_server_out_of_reach_and_a_tracking_pixel_are_said_in_the_language():
    import socket

    from mediawatch.deliver.mime import check_untracked
    from mediawatch.deliver.smtp import SmtpSession, parse_smtp_url
    from mediawatch.errors import DeliveryError, SmtpUnavailable

    with socket.socket() as probe:  # a port nobody listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        with pytest.raises(SmtpUnavailable) as lost:
            SmtpSession(parse_smtp_url(f"smtp://127.0.0.1:{port}?timeout=5")).connect()
    assert str(lost.value).startswith(f"cannot connect to smtp://127.0.0.1:{port}")
    assert lost.value.translated("fr").startswith(f"impossible de se connecter à smtp://127.0.0.1:{port} : ")
    assert lost.value.translated("es").startswith(f"no se puede conectar con smtp://127.0.0.1:{port}: ")
    with pytest.raises(DeliveryError) as tracked:
        check_untracked('<img src="https://t.example/p.gif" width="1" height="1">', frozenset())
    assert "tracking pixel" in str(tracked.value)
    assert "pixel espion : <img" in tracked.value.translated("fr")
    assert "píxel espía: <img" in tracked.value.translated("es")


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("www..lemonde.fr", {"en": "it has an empty label", "fr": "un de ses libellés est vide",
                             "es": "una de sus etiquetas está vacía"}),
        ("a" * 70 + ".org", {"en": "a label is longer than 63 characters",
                             "fr": "un libellé dépasse 63 caractères",
                             "es": "una etiqueta supera los 63 caracteres"}),
    ],
)  # fmt: skip
def test_a_hosts_problem_in_a_registry_is_said_in_the_language(tmp_path, host, words):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "x.toml").write_text(
        f'[[source]]\nid = "x"\nname = "X"\nurl = "https://{host}/rss"\nkind = "rss"\nlanguage = "fr"\n',
        encoding="utf-8",
    )
    for lang, problem in words.items():
        result = World(tmp_path).run(lang, "sources", "list")
        assert result.exit_code == 2, result.output
        assert problem in result.output, result.output


def test_a_store_conflict_is_said_in_the_language(tmp_path):
    """What the review pages show when a row went away between the page and the click (a race the
    stage's own checks cannot see)."""
    from mediawatch.errors import ConflictError

    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        with pytest.raises(ConflictError) as gone:
            store.delete_block(999, actor="ana")
    finally:
        store.close()
    assert str(gone.value) == "no block 999"
    assert gone.value.translated("fr") == "le bloc 999 n'existe pas"
    assert gone.value.translated("es") == "no existe el bloque 999"


def test_a_frozen_issue_names_its_state_in_words():
    from mediawatch.errors import ConflictError
    from mediawatch.i18n import Message, said
    from mediawatch.store.issues import ISSUE_STATE_KEYS
    from mediawatch.types import IssueState

    error = said(
        ConflictError, "store.conflict.frozen", issue="n-1", state=Message(ISSUE_STATE_KEYS[IssueState.SENT])
    )
    assert str(error) == "issue n-1 is “sent”: its content can no longer change"
    assert (
        error.translated("fr") == "le numéro n-1 est «\u00a0envoyé\u00a0» : son contenu ne peut plus changer"
    )
    assert error.translated("es") == "el número n-1 está «enviado»: su contenido ya no puede cambiar"


def test_subscribers_list_names_the_language(tmp_path):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    (tmp_path / "feeds").mkdir()
    world = World(tmp_path)
    added = world.run(
        "en",
        "subscribers",
        "add",
        "ana@example.org",
        "--language",
        "es",
        "--publication",
        "newsletter",
        "--confirmed",
    )
    assert added.exit_code == 0, added.output
    listed = world.run("fr", "subscribers", "list")
    assert "espagnol" in listed.output, listed.output
    assert " es " not in listed.output
    assert '"language": "es"' in world.run("fr", "subscribers", "list", "--json").output
