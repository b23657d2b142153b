"""Adding an article by URL (fetched from a local server, under the collector's rules) or by hand.

Real parts: the hostile HTTP server on 127.0.0.1 serving a real news page from ../shared/corpus (read in
place, gzip-encoded as it is stored, the way a server sends a precompressed file), the real classifier and
story grouping, SQLite and PostgreSQL.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from hostile_server import HostileServer, Response
from test_collect import DRIP_DEADLINE, FAST  # the same quick, local collector settings

from mediawatch.classify.grouping import group_stories
from mediawatch.classify.pipeline import classify_stored, load_classifier
from mediawatch.cli import cli
from mediawatch.collect.extract import extract_page
from mediawatch.compose.compose import gather_candidates
from mediawatch.config import Settings
from mediawatch.errors import FieldError
from mediawatch.store import NewEntry, PageOutcome, open_store
from mediawatch.types import (
    Extracted,
    FetchEvent,
    FetchStatus,
    Publication,
    Region,
    Role,
    Source,
    SourceKind,
    SourceState,
)
from mediawatch.watch.add import AddStatus, ManualItem, add_manual, add_url
from mediawatch.watch.add_fields import validate_manual

PAGE = "/monde/2015/04/30/un-troisieme-francais-mort-au-nepal.html"
TITLE = "Un troisième Français mort dans le séisme au Népal"


@pytest.fixture(scope="module")
def page_gz(corpus_dir) -> bytes:
    """Libération's article on the Nepal earthquake (readability's test pages), gzip as stored."""
    return (corpus_dir("readability_test_pages") / "liberation-1" / "source.html.gz").read_bytes()


@pytest.fixture(scope="module")
def classifier():
    return load_classifier(FAST)


@pytest.fixture
def server(page_gz: bytes):
    with HostileServer() as s:
        html = Response(200, page_gz, {"Content-Type": "text/html", "Content-Encoding": "gzip"})
        s.add_route(PAGE, html)
        s.add_route("/copie" + PAGE, html)  # the same page under an address that is no alias of it
        yield s


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    s.add_user("ana", Role.EDITOR, "not-a-hash", "fr")
    yield s
    s.close()


def _store_collected(store, text: str, title: str, when: datetime) -> int:
    """An article of the same event already collected from a feed (another outlet's headline)."""
    store.sync_sources([Source("wire", "Wire", "https://wire.example/feed.xml", SourceKind.RSS, "fr")])
    url = "https://wire.example/nepal-seisme-francais"
    event = FetchEvent("wire", when, FetchStatus.OK, 200, "", 1, 5)
    entry = NewEntry(url, url, title, "", "", when, "fr")
    (pending,) = store.save_feed_poll("wire", SourceState(), event, [entry])
    extracted = Extracted(title, text, "", when, "Wire", "fr", "")
    outcome = PageOutcome(final=True, final_url=url, extracted=extracted, published=when, date_source="page")
    return store.complete_article(pending.id, outcome, when, timedelta(hours=72))


def test_added_url_is_extracted_classified_stored_and_joins_the_story_of_its_event(
    store, server, classifier, page_gz
):
    page = extract_page(gzip.decompress(page_gz), server.url(PAGE), "text/html")
    when = datetime(2015, 4, 30, 6, tzinfo=UTC)
    other = _store_collected(
        store, page.text, "Népal : le bilan s'alourdit, un autre Français parmi les morts", when
    )
    classify_stored(store, classifier)
    group_stories(store, FAST)
    assert store.story_of(other) is not None

    result = add_url(
        store,
        FAST,
        server.url(PAGE),
        added_by="ana",
        region="asia",
        note="vu à la radio",
        classifier=classifier,
    )

    assert result.status is AddStatus.ADDED, result.message("en")
    # Grouped with the stored article of the same event (the story is named after its earliest article).
    assert result.story_id is not None
    assert store.story_of(other) == result.story_id
    assert sorted(store.story_groups()[result.story_id]) == sorted([other, result.article_id])
    (article,) = [a for a in store.list_articles() if a.id == result.article_id]
    assert article.title == TITLE
    assert "Népal" in article.text
    assert len(article.text) > 1000
    assert article.published is not None
    assert article.published.date() == datetime(2015, 4, 30).date()
    assert article.source_ids == ("added-by-url",)
    assert [a.id for a in store.list_articles(source="added-by-url")] == [result.article_id]
    verdict = store.classification_of(result.article_id)
    assert verdict is not None
    assert verdict.language == "fr"
    assert verdict.relevant
    assert verdict.regions == (Region.ASIA,)
    addition = store.addition_of(result.article_id)
    assert addition is not None
    assert (addition.added_by, addition.note, addition.corrections) == (
        "ana",
        "vu à la radio",
        {"region": "asia"},
    )
    assert store.addition_of(other) is None  # a collected article was added by nobody
    assert result.message("fr") == f"article {result.article_id} ajouté (sujet {result.story_id}) : {TITLE}"
    # ... and it is a candidate of the next issue like any collected story
    candidates = gather_candidates(
        store, FAST, Publication.PRESS_REVIEW, when - timedelta(days=1), when + timedelta(days=1)
    )
    (candidate,) = [c for c in candidates if c.story_id == result.story_id]
    assert candidate.article_id == result.article_id  # the relevant one leads
    assert candidate.outlet == article.sitename  # credited to its publisher, not to "Added by URL"
    assert article.sitename


def test_the_same_page_again_under_its_url_an_alias_or_another_address_is_already_known(
    store, server, classifier
):
    first = add_url(store, FAST, server.url(PAGE), added_by="ana", classifier=classifier)
    assert first.status is AddStatus.ADDED, first.message("en")
    again = [
        server.url(PAGE),
        server.url(PAGE) + "?utm_source=newsletter&utm_medium=email",  # tracking parameters: an alias
        server.url("/copie" + PAGE),  # fetched, then known by its title
    ]
    for url in again:
        result = add_url(store, FAST, url, added_by="ana", classifier=classifier)
        assert (result.status, result.article_id, result.story_id) == (
            AddStatus.KNOWN,
            first.article_id,
            first.story_id,
        )
        assert (
            result.message("en")
            == f"already known: article {first.article_id} (story {first.story_id}): {TITLE}"
        )
    assert len(server.requests_for(PAGE)) == 1  # a known URL is not fetched again
    assert sum(store.count_articles().values()) == 1


@pytest.mark.parametrize(
    ("path", "settings", "reason", "words"),
    [
        (
            "/not-found",
            FAST,
            "http-4xx",
            {"en": "page not found", "fr": "page introuvable", "es": "no encontrada"},
        ),
        (
            "/gzip-bomb",
            FAST,
            "too-large",
            {"en": "size limit", "fr": "taille maximale", "es": "tamaño máximo"},
        ),
        (
            "/slow-drip",
            FAST.with_overrides(total_timeout=DRIP_DEADLINE),
            "timeout",
            {"en": "in time", "fr": "à temps", "es": "a tiempo"},
        ),
        (
            "/feed.xml",
            FAST,
            "not-html",
            {"en": "not a web page", "fr": "pas une page web", "es": "no es una página"},
        ),
        (
            PAGE,
            Settings(),
            "private-address",
            {"en": "private or local", "fr": "privé ou local", "es": "privada o local"},
        ),
    ],
)
def test_hostile_or_refused_pages_give_a_readable_refusal_and_store_nothing(
    store, server, classifier, path, settings, reason, words
):
    result = add_url(store, settings, server.url(path), added_by="ana", classifier=classifier)
    assert result.status is AddStatus.REFUSED
    assert result.reason == reason
    for lang, word in words.items():
        message = result.message(lang)
        assert word in message
        assert server.url(path) in message
    assert store.count_articles() == {}
    if reason == "private-address":
        assert server.requests_for(path) == []  # refused before any connection


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "title: must not be empty",
                "date: “30/04/2015” is not a date",
                "language: “klingon” is not a language",
            ],
        ),
        (
            "fr",
            [
                "titre : ne doit pas être vide",
                "date : «\u00a030/04/2015\u00a0» n'est pas une date",
                "langue : «\u00a0klingon\u00a0» n'est pas",
            ],
        ),
        (
            "es",
            [
                "título: no puede quedar en blanco",
                "fecha: «30/04/2015» no es una fecha",
                "idioma: «klingon» no es un idioma",
            ],
        ),
    ],
)
def test_manual_item_validation_names_each_bad_field_in_three_languages(lang, expected):
    with pytest.raises(FieldError) as caught:
        validate_manual(ManualItem("  ", "RFI", "30/04/2015", "klingon"), lang)
    assert set(caught.value.problems) == {"title", "date", "language"}
    for text in expected:
        assert text in str(caught.value)
    names = {"en": "French (fr)", "fr": "français (fr)", "es": "francés (fr)"}
    assert names[lang] in caught.value.problems["language"]  # languages named, not only coded


def test_manual_item_is_classified_kept_with_its_outlet_and_deduplicated_by_title_and_url(store, classifier):
    item = ManualItem(
        title="Séisme au Népal : les secours français mobilisés",
        outlet="France Inter",
        date="2015-04-30",
        language="fr",
        summary="Reportage radio sur l'aide française après le tremblement de terre au Népal.",
        url="https://www.radiofrance.fr/franceinter/seisme-nepal",
    )
    result = add_manual(store, FAST, item, added_by="ana", note="journal de 8 h", classifier=classifier)
    assert result.status is AddStatus.ADDED
    (article,) = store.list_articles()
    assert (article.sitename, article.source_ids, article.language) == (
        "France Inter",
        ("added-by-hand",),
        "fr",
    )
    assert article.published == datetime(2015, 4, 30, tzinfo=UTC)
    assert store.classification_of(article.id) is not None
    assert result.story_id is not None
    assert store.addition_of(article.id).note == "journal de 8 h"

    retyped = add_manual(
        store, FAST, ManualItem(item.title.upper(), "RFI", "2015-05-01", "fr"), added_by="ana"
    )
    assert (retyped.status, retyped.article_id) == (AddStatus.KNOWN, article.id)
    # The same address added by URL is known without a request (no server listens for it here).
    by_url = add_url(store, FAST, item.url + "?utm_campaign=x", added_by="ana", classifier=classifier)
    assert (by_url.status, by_url.article_id) == (AddStatus.KNOWN, article.id)
    assert sum(store.count_articles().values()) == 1


def test_a_known_article_no_classify_has_reached_is_classified_and_grouped_when_added(store, classifier):
    # A feed brought it in; the night's classify has not run: adding it by hand answers "already known"
    # and leaves it with a verdict, regions and a story, so the story page drawn next names them.
    when = datetime(2015, 4, 30, 6, tzinfo=UTC)
    title = "Sénégal : le carbone des sols des parcs agroforestiers augmente"
    text = "Au Sénégal, les parcs agroforestiers stockent du carbone dans les sols. " * 20
    known = _store_collected(store, text, title, when)
    assert store.classification_of(known) is None

    result = add_manual(
        store, FAST, ManualItem(title, "RFI", "2015-04-30", "fr"), added_by="ana", classifier=classifier
    )

    assert (result.status, result.article_id) == (AddStatus.KNOWN, known)
    verdict = store.classification_of(known)
    assert verdict is not None
    assert verdict.regions == (Region.AFRICA,)
    assert result.story_id is not None
    assert result.story_id == store.story_of(known)
    again = add_manual(
        store, FAST, ManualItem(title, "RFI", "2015-04-30", "fr"), added_by="ana", classifier=classifier
    )
    assert (again.status, again.story_id) == (AddStatus.KNOWN, result.story_id)
    assert store.classification_of(known) == verdict  # one already classified is left as it is


def test_unknown_user_and_bad_url_are_field_errors_before_any_request(store, server):
    with pytest.raises(FieldError) as caught:
        add_url(store, FAST, "ftp://example.org/a", added_by="bob", language="xx", lang="es")
    assert set(caught.value.problems) == {"url", "as", "language"}
    assert "no hay ningún usuario llamado «bob»" in str(caught.value)
    assert server.requests == []


@pytest.mark.parametrize(
    ("url", "lang", "words"),
    [
        ("https://www..lemonde.fr/planete/article.html", "fr",
         "n'est pas une adresse web : le nom d'hôte «\u00a0www..lemonde.fr\u00a0» n'est pas valide"),
        ("https://www..elpais.com/a", "es",
         "no es una dirección web: el nombre de host «www..elpais.com» no es válido"),
        ("https://" + "a" * 70 + ".org/", "en", "is not a web address: the host name “aaaa"),
    ],
)  # fmt: skip
def test_a_malformed_host_name_is_a_field_error_in_the_persons_language(store, url, lang, words):
    """It reached the resolver, whose IDNA step raised: HTTP 500 on /watch/add and /submit."""
    with pytest.raises(FieldError) as caught:
        add_url(store, FAST, url, added_by="ana", lang=lang)
    assert set(caught.value.problems) == {"url"}
    assert words in caught.value.problems["url"]
    assert sum(store.count_articles().values()) == 0


def test_cli_articles_add_prints_the_outcome_and_exits_with_a_status(tmp_path, server, page_gz):
    db = tmp_path / "mw.db"
    open_store(f"sqlite:///{db}").add_user("ana", Role.EDITOR, "x", "fr").name  # noqa: B018
    runner = CliRunner()
    env = {
        "MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "true",
        "MEDIAWATCH_PER_HOST_DELAY": "0",
        "MEDIAWATCH_EXTRACT_WORKERS": "1",
    }

    def invoke(*args: str):
        return runner.invoke(cli, ["--db", str(db), *args], env=env)

    added = invoke("articles", "add", server.url(PAGE), "--as", "ana", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["status"] == "added"
    known = invoke("--lang", "es", "articles", "add", server.url(PAGE), "--as", "ana")
    assert known.exit_code == 0
    assert known.output.startswith("ya conocido: artículo")
    missing = invoke("--lang", "fr", "articles", "add", server.url("/not-found"), "--as", "ana")
    assert missing.exit_code == 1
    assert "refusée : le site a répondu par une erreur" in missing.output
    nobody = invoke("articles", "add", server.url("/other"), "--as", "bob")
    assert nobody.exit_code == 2
    assert "--as: there is no user named “bob”" in nobody.output
    bad = invoke(
        "--lang",
        "fr",
        "articles",
        "add",
        "--manual",
        "--title",
        "Journal",
        "--outlet",
        "RFI",
        "--date",
        "hier",
        "--language",
        "fr",
        "--as",
        "ana",
    )
    assert bad.exit_code == 2
    assert "--date : «\u00a0hier\u00a0» n'est pas une date" in bad.output
    not_url = invoke("--lang", "es", "articles", "add", "www.example.org/noticia", "--as", "ana")
    assert not_url.exit_code == 2
    assert "URL: «www.example.org/noticia» no es una dirección web" in not_url.output
    neither = invoke("articles", "add", "--as", "ana")
    assert neither.exit_code == 2
    assert "give either a URL, or --manual" in neither.output
    for result in (missing, nobody, bad, not_url, neither):  # a message and a status, never a traceback
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_language_chosen_by_the_person_replaces_the_detected_one_and_is_recorded(store, server, classifier):
    result = add_url(store, FAST, server.url(PAGE), added_by="ana", language="ES", classifier=classifier)
    assert result.status is AddStatus.ADDED
    verdict = store.classification_of(result.article_id)
    assert verdict is not None
    assert (verdict.language, verdict.language_confidence) == ("es", 1.0)
    assert [a.language for a in store.list_articles()] == ["es"]
    assert store.addition_of(result.article_id).corrections == {"language": "es"}


def test_every_refusal_reason_and_every_classifier_language_has_a_name():
    from mediawatch.classify.language import SHORT_SET
    from mediawatch.watch.add_fields import ADDABLE_LANGUAGES
    from mediawatch.watch.add_result import REASON_KEYS

    assert set(ADDABLE_LANGUAGES) == set(SHORT_SET)
    failures = {s.value for s in FetchStatus if s.is_failure and s is not FetchStatus.EMPTY}
    assert failures | {"not-html", "extraction-failed"} == set(REASON_KEYS)


def test_what_a_person_pasted_is_echoed_on_one_line_and_cut():
    with pytest.raises(FieldError) as caught:
        validate_manual(ManualItem("Titre", "RFI", "2015\n" + "9" * 5000, "fr"), "en")
    message = caught.value.problems["date"]
    assert message.startswith("date: “2015 9999")
    assert "\n" not in message
    assert len(message) < 200


def test_a_redirect_to_a_refused_address_is_refused_like_in_the_collector(store, server, classifier):
    only_this_server = {"127.0.0.1"}.__contains__  # the policy the collector's own tests use for hops
    result = add_url(
        store,
        FAST,
        server.url("/redirect-private"),
        added_by="ana",
        classifier=classifier,
        address_policy=only_this_server,
    )
    assert (result.status, result.reason) == (AddStatus.REFUSED, "private-address")
    assert "127.0.0.9" in result.message("en")
    assert store.count_articles() == {}


@pytest.mark.parametrize(
    ("lang", "viewer", "disabled"),
    [
        ("en", "viv has the role viewer, which may not add articles", "the account of ed is disabled"),
        ("fr", "viv a le rôle lecteur, qui ne permet pas d'ajouter", "le compte de ed est désactivé"),
        ("es", "viv tiene el rol lector, que no permite añadir", "la cuenta de ed está desactivada"),
    ],
)
def test_only_an_enabled_editor_or_above_may_add_whoever_calls(store, server, lang, viewer, disabled):
    """The library checks the person (not only the CLI or the web form): /watch/add is for editors and
    above, and a disabled account acts for nobody. A correspondent sends items through their own path."""
    store.add_user("viv", Role.VIEWER, "x", "fr")
    store.add_user("ines", Role.CORRESPONDENT, "x", "es")
    store.add_user("ed", Role.EDITOR, "x", "fr")
    store.update_user("ed", active=False)
    item = ManualItem("Les sols d'Afrique", "RFI", "2024-05-01", "fr")
    for name, expected in (("viv", viewer), ("ed", disabled), ("ines", "ines")):
        for add in (
            lambda n: add_url(store, FAST, server.url(PAGE), added_by=n, lang=lang),
            lambda n: add_manual(store, FAST, item, added_by=n, lang=lang),
        ):
            with pytest.raises(FieldError) as caught:
                add(name)
            assert set(caught.value.problems) == {"as"}
            assert expected in str(caught.value)
    assert server.requests == []
    assert sum(store.count_articles().values()) == 0


def test_the_roles_that_may_add_are_the_review_permissions():
    from mediawatch.review.workflow import Permission, may
    from mediawatch.watch.add_fields import ADDER_ROLES, SENDER_ROLES

    assert {r for r in Role if may(r, Permission.EDIT)} == ADDER_ROLES
    assert {r for r in Role if may(r, Permission.SEND_ITEMS)} == SENDER_ROLES


def test_cli_articles_add_refuses_a_viewer_and_a_disabled_user_also_named_by_mediawatch_user(
    tmp_path, server
):
    db = tmp_path / "mw.db"
    with open_store(f"sqlite:///{db}") as store:
        store.add_user("viv", Role.VIEWER, "x", "fr")
        store.add_user("ana", Role.EDITOR, "x", "fr")
    runner = CliRunner()
    env = {"MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "true", "MEDIAWATCH_PER_HOST_DELAY": "0"}
    by_viewer = runner.invoke(
        cli, ["--db", str(db), "articles", "add", server.url(PAGE), "--as", "viv"], env=env
    )
    assert by_viewer.exit_code == 2, by_viewer.output
    assert "viv has the role viewer" in by_viewer.output
    assert runner.invoke(cli, ["--db", str(db), "users", "update", "ana", "--disable"]).exit_code == 0
    by_env = runner.invoke(
        cli, ["--db", str(db), "articles", "add", server.url(PAGE)], env={**env, "MEDIAWATCH_USER": "ana"}
    )
    assert by_env.exit_code == 2, by_env.output
    assert "the account of ana is disabled" in by_env.output
    assert server.requests == []
    with open_store(f"sqlite:///{db}") as store:
        assert sum(store.count_articles().values()) == 0


def test_several_field_problems_are_joined_with_the_languages_list_separator():
    """French puts a space before the semicolon that separates two problems: "… vide ; date : …"."""
    with pytest.raises(FieldError) as caught:
        validate_manual(ManualItem("  ", "RFI", "30/04/2015", "fr"), "fr")
    assert "ne doit pas être vide ; date : «\u00a030/04/2015" in str(caught.value)
    with pytest.raises(FieldError) as caught:
        validate_manual(ManualItem("  ", "RFI", "30/04/2015", "fr"), "en")
    assert "must not be empty; date: “30/04/2015" in str(caught.value)


NAMELESS = (
    "<html><head><title>Kenyan farmers store carbon in their soils</title></head><body><article>"
    "<h1>Kenyan farmers store carbon in their soils</h1>"
    + "<p>Farmers in Kenya store more carbon in their soils every year, a study of soil carbon says.</p>" * 12
    + "</article></body></html>"
).encode()


def test_a_page_that_names_no_site_is_credited_to_its_host_without_port_or_www(store, server, classifier):
    """Extraction falls back to "127.0.0.1:8123" when a page names no site: no reader knows an outlet so."""
    server.add_route("/sin-nombre", Response(200, NAMELESS, {"Content-Type": "text/html"}))
    result = add_url(store, FAST, server.url("/sin-nombre"), added_by="ana", classifier=classifier)
    assert result.status is AddStatus.ADDED, result.message("en")
    (article,) = [a for a in store.list_articles() if a.id == result.article_id]
    assert ":" in server.url("/").removeprefix("http://")  # the server does listen on a port of its own
    assert article.sitename == "127.0.0.1"


@pytest.mark.parametrize(
    ("sitename", "urls", "outlet"),
    [
        ("example.org:8443", ("https://www.example.org:8443/a",), "example.org"),
        ("www.example.org:8443", ("https://www.example.org:8443/a",), "example.org"),
        ("", ("https://WWW.Example.org:8080/a",), "example.org"),
        ("lemonde.fr:8443", ("https://www.lemonde.fr/a", "https://www.lemonde.fr:8443/a"), "lemonde.fr"),
        ("Le Monde", ("https://www.lemonde.fr:8443/a",), "Le Monde"),  # a name the page gives is kept
        ("Radio 8:30", ("https://radio.example/a",), "Radio 8:30"),
    ],
)
def test_an_outlet_is_a_name_or_a_host_never_a_port(sitename, urls, outlet):
    from mediawatch.watch.add import site_outlet

    assert site_outlet(sitename, *urls) == outlet


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "--region: “mars” is not a region; use one of: Africa (africa), Asia (asia)"),
        (
            "fr",
            "--region : «\u00a0mars\u00a0» n'est pas une région ; choisissez parmi : Afrique (africa)",
        ),
        ("es", "--region: «mars» no es una región; elija entre: África (africa), Asia (asia)"),
    ],
)
def test_cli_a_manual_item_takes_a_region_and_an_unknown_one_is_refused_naming_the_option(
    tmp_path, lang, expected
):
    db = tmp_path / "mw.db"
    with open_store(f"sqlite:///{db}") as store:
        store.add_user("ana", Role.EDITOR, "x", "fr")
    runner = CliRunner()
    item = ("--title", "Les sols du Sénégal", "--outlet", "RFI", "--date", "2025-03-04", "--language", "fr")

    def add(*extra: str):
        return runner.invoke(
            cli, ["--db", str(db), "--lang", lang, "articles", "add", "--manual", *item, *extra]
        )

    bad = add("--region", "mars", "--as", "ana")
    assert bad.exit_code == 2, bad.output
    assert expected in bad.output
    assert "Traceback" not in bad.output
    as_json = add("--region", "mars", "--as", "ana", "--json")
    assert as_json.exit_code == 2, as_json.output
    errors = json.loads(as_json.output)["errors"]
    assert [e["field"] for e in errors] == ["region"]
    assert errors[0]["message"].startswith(expected)
    added = add("--region", "Oceania", "--as", "ana", "--json")
    assert added.exit_code == 0, added.output
    article = json.loads(added.output)["article_id"]
    with open_store(f"sqlite:///{db}") as store:
        verdict = store.classification_of(article)
        assert verdict is not None
        assert verdict.regions == (Region.OCEANIA,)  # chosen, in place of the detected Africa
        assert store.addition_of(article).corrections == {"language": "fr", "region": "oceania"}


@pytest.mark.parametrize(
    ("lang", "labels", "expected"),
    [
        ("en", {"region": "Region"}, "Region: “Mars” is not a region; use one of: Africa (africa)"),
        (
            "fr",
            {"region": "Région"},
            "Région : «\u00a0Mars\u00a0» n'est pas une région ; choisissez parmi : Afrique",
        ),
        ("es", {"region": "Región"}, "Región: «Mars» no es una región; elija entre: África (africa)"),
    ],
)
def test_a_field_is_named_as_the_caller_labels_it_and_the_typed_value_is_quoted(
    store, lang, labels, expected
):
    from mediawatch.watch.add_fields import relabelled

    item = ManualItem("Les sols du Sénégal", "RFI", "2025-03-04", "fr")
    with pytest.raises(FieldError) as caught:
        add_manual(store, FAST, item, added_by="nobody", region="Mars", lang=lang)
    named = relabelled(caught.value, lang, labels)
    assert named.problems["region"].startswith(expected)
    assert named.problems["as"] == caught.value.problems["as"]  # no label given: said as it was
    assert str(named).startswith(named.problems["region"])
    assert named.reasons == caught.value.reasons


def test_a_long_value_is_quoted_cut_on_one_line():
    with pytest.raises(FieldError) as caught:
        validate_manual(ManualItem("Titre", "RFI", "x" * 500, "fr"), "fr")
    message = caught.value.problems["date"]
    assert message.startswith("date : «\u00a0" + "x" * 79 + "…\u00a0» n'est pas une date")
