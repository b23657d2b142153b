"""How an issue and a publication are named, once for every stage: the period's days in the reader's
language, a publication's name alone and in a sentence, an issue's title (an editor's own wins)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mediawatch.compose.issues import default_title, issue_title
from mediawatch.i18n import LANGUAGES, catalogue
from mediawatch.i18n.dates import format_half_open
from mediawatch.i18n.publications import publication_name
from mediawatch.types import Issue, IssueState, Publication


def d(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "lang", "expected"),
    [
        # a week stored as [1 Dec, 8 Dec): the 8th is the next period's first day
        (d(2026, 12, 1), d(2026, 12, 8), "fr", "du 1er au 7 déc. 2026"),
        (d(2026, 12, 1), d(2026, 12, 8), "en", "1–7 Dec 2026"),
        (d(2026, 12, 1), d(2026, 12, 8), "es", "del 1 al 7 de dic. de 2026"),
        # a month ends on its last day, not on the next month's first
        (d(2026, 11, 1), d(2026, 12, 1), "fr", "du 1er au 30 nov. 2026"),
        # an end that is not midnight: that day is partly in the period
        (d(2026, 11, 30, 7), d(2026, 12, 7, 7, 19), "en", "30 Nov – 7 Dec 2026"),
        (d(2026, 12, 28), d(2027, 1, 4), "es", "del 28 de dic. de 2026 al 3 de ene. de 2027"),
    ],
)
def test_a_half_open_period_reads_by_the_days_it_covers(start, end, lang, expected):
    assert format_half_open(start, end, lang) == expected


def an_issue(publication: Publication, start: datetime, end: datetime, title: str | None = None) -> Issue:
    return Issue(
        id=1,
        slug=f"{publication.value}-{end:%Y-%m-%d}",
        publication=publication,
        title=default_title(publication, start, end) if title is None else title,
        period_from=start,
        period_to=end,
        languages=LANGUAGES,
        state=IssueState.DRAFT,
        created_at=end,
        created_by="compose",
    )


WEEK = (d(2026, 12, 1), d(2026, 12, 8))  # the 8th is the next period's
ACROSS_MONTHS = (d(2026, 11, 30), d(2026, 12, 7))
ACROSS_YEARS = (d(2026, 12, 28), d(2027, 1, 4))
A_MONTH = (d(2026, 11, 1), d(2026, 12, 1))


@pytest.mark.parametrize(
    ("publication", "period", "lang", "expected"),
    [
        (Publication.PRESS_REVIEW, WEEK, "fr", "Revue de presse du 1er au 7 déc. 2026"),
        (Publication.PRESS_REVIEW, WEEK, "en", "Press review, 1–7 Dec 2026"),
        (Publication.PRESS_REVIEW, WEEK, "es", "Revista de prensa del 1 al 7 de dic. de 2026"),
        (Publication.NEWSLETTER, ACROSS_MONTHS, "fr", "Lettre d'information du 30 nov. au 6 déc. 2026"),
        (Publication.NEWSLETTER, ACROSS_MONTHS, "en", "Newsletter, 30 Nov – 6 Dec 2026"),
        (Publication.NEWSLETTER, ACROSS_MONTHS, "es", "Boletín del 30 de nov. al 6 de dic. de 2026"),
        (Publication.PRESS_REVIEW, ACROSS_YEARS, "fr", "Revue de presse du 28 déc. 2026 au 3 janv. 2027"),
        (Publication.PRESS_REVIEW, ACROSS_YEARS, "en", "Press review, 28 Dec 2026 – 3 Jan 2027"),
        (
            Publication.PRESS_REVIEW,
            ACROSS_YEARS,
            "es",
            "Revista de prensa del 28 de dic. de 2026 al 3 de ene. de 2027",
        ),
        (Publication.NEWSLETTER, A_MONTH, "fr", "Lettre d'information du 1er au 30 nov. 2026"),
    ],
)
def test_an_issue_is_named_by_its_publication_and_the_days_of_its_period(publication, period, lang, expected):
    issue = an_issue(publication, *period)
    assert issue.title.startswith(publication.value)  # stored in codes, the same for everyone
    assert issue_title(issue, lang) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_editors_own_title_wins_as_written(lang):
    issue = an_issue(Publication.PRESS_REVIEW, *WEEK, title="Sols : le bilan de décembre ")
    assert issue_title(issue, lang) == "Sols : le bilan de décembre "
    blank = an_issue(Publication.PRESS_REVIEW, *WEEK, title="  ")
    assert issue_title(blank, lang) == issue_title(an_issue(Publication.PRESS_REVIEW, *WEEK), lang)


@pytest.mark.parametrize(
    ("lang", "alone", "in_sentence"),
    [
        (
            "fr",
            ("Lettre d'information", "Revue de presse"),
            ("la lettre d'information", "la revue de presse"),
        ),
        ("en", ("Newsletter", "Press review"), ("the newsletter", "the press review")),
        ("es", ("Boletín", "Revista de prensa"), ("el boletín", "la revista de prensa")),
    ],
)
def test_a_publication_has_one_name_alone_and_one_in_a_sentence(lang, alone, in_sentence):
    kinds = (Publication.NEWSLETTER, Publication.PRESS_REVIEW)
    assert tuple(publication_name(p, lang) for p in kinds) == alone
    assert tuple(publication_name(p.value, lang, in_sentence=True) for p in kinds) == in_sentence


def test_no_stage_keeps_a_table_of_publication_names_of_its_own():
    """The one table is i18n/publications.py; a second copy (there were five) drifts, as the nightly
    mail's "Lettre d’information" had from everyone else's."""
    package = Path(__file__).resolve().parents[1] / "mediawatch"
    own = package / "i18n" / "publications.py"
    copies = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if path != own
        and re.search(r"""["'][\w.]*publication\.(newsletter|press_review)["']""", path.read_text())
    ]
    assert not copies
    keys = {
        k
        for lang in LANGUAGES
        for k in catalogue(lang)
        if re.search(r"publication\.(newsletter|press_rev)", k)
    }
    assert keys == set()


# -- the CLI: the same names in its tables and `issues show`; --json keeps what is stored -----------------
@pytest.fixture
def cli_run(tmp_path, monkeypatch, db_url):
    from click.testing import CliRunner

    from mediawatch.cli import cli

    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.delenv("MEDIAWATCH_DB", raising=False)
    runner = CliRunner()

    def run(lang: str, *args: str):
        result = runner.invoke(cli, ["--db", db_url, "--lang", lang, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run.db = db_url
    return run


def _issue(store, slug: str, title: str | None, period: tuple[datetime, datetime]) -> None:
    start, end = period
    store.create_issue(
        slug=slug,
        publication=Publication.PRESS_REVIEW,
        title=default_title(Publication.PRESS_REVIEW, start, end) if title is None else title,
        period_from=start,
        period_to=end,
        languages=LANGUAGES,
        sections=("science",),
        items=[],
        actor="compose",
    )


def test_the_cli_names_an_issue_as_the_web_does_and_json_keeps_the_stored_title(cli_run):
    from mediawatch.store import open_store

    with open_store(cli_run.db) as store:
        _issue(store, "press-review-2026-12-08", None, WEEK)
        _issue(store, "press-review-2027-01-04", "Sols : le bilan de l'année", ACROSS_YEARS)

    listed = cli_run("fr", "issues", "list")
    # piped output is 150 columns wide: a long cell folds onto the row's next line
    assert "│ Revue de presse du 1er au 7 " in listed, listed
    assert "│ déc. 2026 " in listed, listed
    assert "│ Sols : le bilan de l'année " in listed, listed
    assert "2026-12-01" not in listed
    shown = cli_run("es", "issues", "show", "press-review-2026-12-08")
    first, second = shown.splitlines()[:2]
    assert first == "Revista de prensa del 1 al 7 de dic. de 2026 (press-review-2026-12-08, #1)"
    assert second.startswith("Revista de prensa, ")
    assert second.endswith(", del 1 al 7 de dic. de 2026")
    assert "2026-12" not in second  # the period in words, not the stored bounds
    shown = cli_run("en", "issues", "show", "press-review-2027-01-04")
    assert shown.splitlines()[0] == "Sols : le bilan de l'année (press-review-2027-01-04, #2)"
    assert shown.splitlines()[1].endswith(", 28 Dec 2026 – 3 Jan 2027")

    machine = [json.loads(line) for line in cli_run("fr", "issues", "list", "--json").splitlines()]
    assert [m["title"] for m in machine] == [
        "press-review 2026-12-01 – 2026-12-08",
        "Sols : le bilan de l'année",
    ] or [m["title"] for m in machine] == [
        "Sols : le bilan de l'année",
        "press-review 2026-12-01 – 2026-12-08",
    ]
    stored = json.loads(cli_run("es", "issues", "show", "press-review-2026-12-08", "--json"))
    assert (stored["title"], stored["period_to"]) == (
        "press-review 2026-12-01 – 2026-12-08",
        "2026-12-08T00:00:00+00:00",
    )


# -- mails name the organisation as the pages of their language do -----------------------------------------
ORGANISATION = {"fr": "4 pour 1000", "es": "4 por 1000"}


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_an_opt_in_mail_names_the_organisation_in_its_language(tmp_path, db_url, lang):
    from deliver_samples import SmtpServer, make_settings, open_store

    from mediawatch.deliver.subscribers import Origin, send_optin, subscribe
    from mediawatch.web.public import organisation_name  # what the subscribe page shows

    with SmtpServer() as smtp:
        settings = make_settings(tmp_path, smtp.url, db=db_url)
        assert settings.organisation == "4 per 1000"
        with open_store(settings) as store:
            asked = subscribe(
                store,
                email="lucia@example.org",
                language=lang,
                publications=["newsletter", "press-review"],
                origin=Origin("cli"),
            )
            assert send_optin(store, settings, asked)
        (mail,) = smtp.recorder.snapshot()
    message = mail.message()
    name = ORGANISATION[lang]
    assert organisation_name(settings, lang) == name
    expected = {
        "fr": "Confirmez votre abonnement à 4 pour 1000",
        "es": "Confirme su suscripción a 4 por 1000",
    }
    assert message["Subject"] == expected[lang]
    said = {
        "fr": "recevoir la lettre d'information et la revue de presse de 4 pour 1000",
        "es": "recibir el boletín y la revista de prensa de 4 por 1000",
    }
    for kind in ("plain", "html"):
        body = " ".join(message.get_body((kind,)).get_content().split())
        assert said[lang] in body.replace("&#39;", "'"), (kind, body)
        assert "4 per 1000" not in body
    assert message["From"] == "4 per 1000 <news@example.org>"  # headers keep the configured name


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_the_nightly_mail_names_the_organisation_in_its_language(lang):
    from mediawatch.config import Settings
    from mediawatch.nightly.notify import DraftNews, RunNews, editor_message

    news = RunNews(
        at=d(2026, 12, 8, 3),
        drafts=(DraftNews(3, "press-review-2026-12-08", Publication.PRESS_REVIEW, *WEEK, 12, ()),),
        new_articles=40,
        relevant=11,
        stories=9,
        failing=(),
        stale=(),
        stale_after_days=14,
        previous_interrupted=False,
        problems=(),
    )
    settings = Settings(mail_from="watch@example.org", base_url="https://watch.example.org/")
    message = editor_message(news, settings, lang, ("ana@example.org",))
    expected = {
        "fr": ("Veille 4 pour 1000 : brouillons à relire (1)", "Revue de presse, "),
        "es": ("Seguimiento de medios 4 por 1000: borradores por revisar (1)", "Revista de prensa, "),
    }
    subject, draft = expected[lang]
    assert message["Subject"] == subject
    for kind in ("plain", "html"):
        body = message.get_body((kind,)).get_content()
        assert ORGANISATION[lang] in body, (kind, body)
        assert "4 per 1000" not in body
        assert draft in body


# -- the issue pages' period column and line say it in words, by its days --------------------------------
def test_the_issue_pages_say_the_period_by_the_days_it_covers(db_url):
    import re

    from review_samples import PASSWORD, add_team, make_issue, open_store

    from mediawatch.config import Settings
    from mediawatch.web.app import create_app

    store = open_store(db_url)
    add_team(store)
    issue_id = make_issue(store)  # [17 Nov 2026, 24 Nov 2026)
    app = create_app(Settings(secret_key="names-tests-secret-0123456789abcdef"), store)
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/login", data={"name": "carla", "password": PASSWORD, "csrf_token": token})  # reads French
    page = client.get(f"/issues/{issue_id}").get_data(as_text=True)
    listed = client.get("/issues").get_data(as_text=True)
    store.close()
    assert "· du 17 au 23 nov. 2026 ·" in page
    assert "<td>du 17 au 23 nov. 2026</td>" in listed
    assert "2026-11-24" not in page + listed
