"""Delivery against a real SMTP server on 127.0.0.1 (aiosmtpd): what subscribers receive, refusals,
retries, permanent failures, dry runs, test copies, DKIM, TLS, and the pure parts (addresses, MIME)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from deliver_samples import FROM, SECRET, Recorder, SmtpServer, approved_issue, make_settings, open_store
from review_samples import make_issue

from mediawatch.cli import cli
from mediawatch.deliver.addresses import normalise_email, parse_fallback, parse_publications
from mediawatch.deliver.editions import prepare_editions
from mediawatch.deliver.links import LinkPurpose, link_signer
from mediawatch.deliver.mime import ListHeaders, build_message, check_untracked, links_of
from mediawatch.deliver.preview import dry_run, send_test
from mediawatch.deliver.send import send_issue
from mediawatch.deliver.smtp import parse_smtp_url
from mediawatch.deliver.subscribers import Origin, add_confirmed, unsubscribe
from mediawatch.errors import ConfigError, DeliveryError, InvalidInput, NotSendable
from mediawatch.i18n import t
from mediawatch.i18n.dates import format_datetime_utc
from mediawatch.render import render_edition
from mediawatch.types import IssueState, OutboxStatus, Publication, SubscriberStatus

CLI = Origin(method="cli", form="test")
HREF = re.compile(r'href="([^"]*)"')


def add(store, email, language="fr", publications="newsletter", fallback=""):
    return add_confirmed(
        store, email=email, language=language, publications=publications, origin=CLI, fallback=fallback
    )


def cli_env(settings, **extra):
    env = {
        "MEDIAWATCH_DB": settings.db,
        "MEDIAWATCH_SMTP_URL": settings.smtp_url,
        "MEDIAWATCH_FROM": settings.mail_from,
        "MEDIAWATCH_REPLY_TO": settings.reply_to,
        "MEDIAWATCH_BASE_URL": settings.base_url,
        "MEDIAWATCH_SITE_URL": settings.site_url,
        "MEDIAWATCH_SECRET_KEY": SECRET,
        "MEDIAWATCH_SEND_RATE": "0",
        "MEDIAWATCH_SEND_RETRY_BASE": "0.05",
        # an empty config: the developer's own never leaks into a test (settings.db may be a URL)
        "MEDIAWATCH_CONFIG": str(Path(tempfile.gettempdir()) / f"mediawatch-tests-empty-{os.getpid()}.toml"),
    }
    Path(env["MEDIAWATCH_CONFIG"]).write_text("", encoding="utf-8")
    env.update(extra)
    return env


def run(settings, *args, **env):
    return CliRunner().invoke(cli, list(args), env=cli_env(settings, **env), catch_exceptions=False)


@pytest.fixture
def server():
    with SmtpServer() as srv:
        yield srv


@pytest.fixture
def setup(tmp_path, server, db_url):
    settings = make_settings(tmp_path, server.url, db=db_url)
    store = open_store(settings)
    yield settings, store
    store.close()


# -- pure parts ---------------------------------------------------------------------------------------
def test_addresses_are_checked_and_normalised():
    assert normalise_email("  Ana.Maria+news@Example.ORG ") == "Ana.Maria+news@example.org"
    assert normalise_email("jose@bücher.example") == "jose@xn--bcher-kva.example"
    for bad in (
        "",
        "no-at",
        "a@b",
        "two@@example.org",
        "sp ace@example.org",
        "é@example.org",
        "a@-x.org",
        "a@example.123",
        ".a@example.org",
    ):
        with pytest.raises(InvalidInput):
            normalise_email(bad)
    assert parse_publications("newsletter;press-review") == (Publication.NEWSLETTER, Publication.PRESS_REVIEW)
    assert parse_publications("both") == (Publication.NEWSLETTER, Publication.PRESS_REVIEW)
    assert parse_fallback("en, fr fr es", "fr") == ("en", "es")
    with pytest.raises(InvalidInput) as err:
        parse_publications("magazine")
    assert "magazine" in err.value.translated("es")
    assert "desconocida" in err.value.translated("es")


def test_edition_language_follows_the_fallback_order(setup):
    _settings, store = setup
    es = add(store, "es@example.org", "es")
    assert es.edition_language(("fr", "en", "es")) == "es"
    assert es.edition_language(("fr", "en")) == "fr"  # then fr, en, es
    picky = add(store, "picky@example.org", "es", fallback="en")
    assert picky.edition_language(("fr", "en")) == "en"


def test_mime_round_trip_of_awkward_text():
    text = "Ligne normale é\n.point au début\nFrom the start\n" + "x" * 300 + "\ntrailing space   \n\ttab\n"
    html = '<p style="a:b">Hé — “quotes” = equals</p>\n.\n' + "<b>" + "y" * 500 + "</b>\n"
    data = build_message(
        sender="News <news@example.org>",
        to="ana@example.org",
        subject="Lettre n° 3 — sols",
        message_id="<m1@example.org>",
        date=__import__("datetime").datetime(2026, 1, 2, tzinfo=__import__("datetime").UTC),
        language="fr",
        text=text,
        html=html,
        lists=ListHeaders('"x" <newsletter.example.org>', "https://e.org/u/1", "mailto:u@e.org?subject=x"),
    )
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert data.isascii()
    import email
    import email.policy

    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert msg["Subject"] == "Lettre n° 3 — sols"
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
    assert msg.get_body(("html",)).get_content().replace("\r\n", "\n") == html


def test_tracking_is_refused_in_code():
    allowed = frozenset({"https://a.example/1"})
    check_untracked('<a href="https://a.example/1">x</a>', allowed)
    with pytest.raises(DeliveryError, match="pixel"):
        check_untracked('<img src="https://t.example/o.gif" width="1" height="1">', allowed)
    with pytest.raises(DeliveryError, match="link not in the approved edition"):
        check_untracked('<a href="https://click.example/r?u=https://a.example/1">x</a>', allowed)


def test_smtp_urls():
    cfg = parse_smtp_url("smtp://user%40x:p%2Fw@mail.example.org:2525?starttls=1")
    assert (cfg.host, cfg.port, cfg.username, cfg.password, cfg.starttls) == (
        "mail.example.org",
        2525,
        "user@x",
        "p/w",
        True,
    )
    assert parse_smtp_url("smtps://u:p@mail.example.org").port == 465
    assert parse_smtp_url("smtp://mail.example.org").port == 25
    assert "p/w" not in parse_smtp_url("smtps://u:p%2Fw@h.example.org").describe()
    for bad in (
        "",
        "http://x",
        "smtp://",
        "smtps://h?starttls=1",
        "smtp://h?tls=1",
        "smtp://u:p@mail.example.org",
    ):
        with pytest.raises(ConfigError):
            parse_smtp_url(bad)
    assert parse_smtp_url("smtp://u:p@127.0.0.1:25").username == "u"  # loopback: allowed in clear


# -- sending ------------------------------------------------------------------------------------------
def test_each_subscriber_gets_their_edition_once_with_correct_headers(setup, server):
    settings, store = setup
    issue_id = approved_issue(store, settings)
    issue = store.find_issue(issue_id)
    subs = {
        "fr": add(store, "Claire@Example.org", "fr"),
        "en": add(store, "john@example.org", "en"),
        "es": add(store, "lucia@example.org", "es", publications="both"),
    }
    add(store, "press-only@example.org", "fr", publications="press-review")  # not this publication
    gone = add(store, "gone@example.org", "en")
    unsubscribe(store, gone.id, CLI)
    store.suppress("blocked@example.org", "hard-bounce")

    report = send_issue(store, settings, issue.slug)

    assert report.issue.state is IssueState.SENT
    assert report.counts.by_status == {"sent": 3}
    assert report.connections == 1  # one connection reused for every message
    received = server.recorder.snapshot()
    assert sorted(r.rcpt_tos[0].lower() for r in received) == sorted(s.email.lower() for s in subs.values())
    content = store.issue_content(issue_id)
    signer = link_signer(settings)
    message_ids = set()
    for lang, sub in subs.items():
        (got,) = [r for r in received if r.rcpt_tos == [sub.email]]
        assert got.mail_from == "news@example.org"
        msg = got.message()
        archive = render_edition(content, lang, settings)
        assert msg["Subject"] == archive.subject
        assert msg["From"] == FROM
        assert msg["To"] == sub.email
        assert msg["Reply-To"] == "Team 4p1000 <team@example.org>"
        assert msg["Date"]
        assert msg["Content-Language"] == lang
        assert msg["List-Id"] == '"4 per 1000 newsletter" <newsletter.example.org>'
        unsub_url = signer.url(LinkPurpose.UNSUBSCRIBE, sub)
        prefs_url = signer.url(LinkPurpose.PREFERENCES, sub)
        list_unsub = " ".join(str(msg["List-Unsubscribe"]).split())
        assert list_unsub.startswith(f"<{unsub_url}>, <mailto:news@example.org?subject=unsubscribe%20")
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        message_ids.add(msg["Message-ID"])
        assert msg.get_content_type() == "multipart/alternative"
        parts = [p.get_content_type() for p in msg.iter_parts()]
        assert parts == ["text/plain", "text/html"]
        html = msg.get_body(("html",)).get_content().replace("\r\n", "\n")
        text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        # exactly the approved edition with this subscriber's links: no pixel, no rewritten link
        personal = render_edition(content, lang, settings, personal=signer.personal_links(sub))
        assert html == personal.html
        assert text == personal.text
        assert set(HREF.findall(html)) == set(HREF.findall(archive.html)) | {unsub_url, prefs_url}
        assert "<img" not in html or not re.search(r'<img[^>]*(width|height)="?[01]"?[ >/]', html)
        # personal links only in the sent copy, and only this subscriber's
        assert unsub_url in html
        assert prefs_url in text
        assert "/s/unsubscribe/" not in archive.html
        assert "/s/preferences/" not in archive.text
        others = [signer.url(LinkPurpose.UNSUBSCRIBE, s) for s in subs.values() if s is not sub]
        assert not any(o in html or o in text for o in others)
    assert len(message_ids) == 3

    # a second run sends nothing more
    again = send_issue(store, settings, issue.slug)
    assert again.attempted == 0
    assert len(server.recorder.snapshot()) == 3
    # the outbox knows each Message-ID
    row = store.outbox_message(next(iter(message_ids)))
    assert row is not None
    assert row.status is OutboxStatus.SENT
    assert row.confirmed


def test_unapproved_issue_is_refused_with_reasons(setup, server):
    settings, store = setup
    approved_issue(store, settings)  # creates the team
    draft = make_issue(store)
    add(store, "a@example.org")
    with pytest.raises(NotSendable) as err:
        send_issue(store, settings, draft)
    assert err.value.reasons
    assert any("draft" in r.text("en") for r in err.value.reasons)
    result = run(settings, "send", str(draft))
    assert result.exit_code == 2
    assert "cannot be sent" in result.output
    assert "  - " in result.output
    result = run(settings, "--lang", "fr", "send", str(draft))
    assert "ne peut pas être envoyé" in result.output
    assert server.recorder.snapshot() == []
    assert store.send_record(draft) is None
    assert store.find_issue(draft).state is IssueState.DRAFT


def test_an_edit_after_approval_blocks_sending(setup, server):
    settings, store = setup
    issue_id = approved_issue(store, settings)
    add(store, "a@example.org")
    item = store.issue_content(issue_id).items[0]
    store.set_item_text(item.id, "fr", title="Changed after approval", actor="ana")
    with pytest.raises(NotSendable):
        send_issue(store, settings, issue_id)
    assert server.recorder.snapshot() == []


def test_4xx_is_retried_with_back_off_then_delivered(setup, server):
    settings, store = setup
    issue_id = approved_issue(store, settings)
    add(store, "busy@example.org")
    add(store, "fine@example.org")
    server.recorder.rcpt_replies["busy@example.org"] = ["451 4.3.0 try again later"] * 2
    server.recorder.data_replies["fine@example.org"] = ["452 4.3.1 insufficient storage"]
    report = send_issue(store, settings, issue_id)
    assert report.issue.state is IssueState.SENT
    assert server.recorder.per_recipient() == {"busy@example.org": 1, "fine@example.org": 1}
    history = json.loads(run(settings, "send", "--status", "--json", str(issue_id)).output)
    assert history["by_status"] == {"sent": 2}
    assert history["finished"] is True
    row = store.outbox_message(server.recorder.snapshot()[0].message()["Message-ID"])
    assert row is not None


def test_5xx_is_permanent_and_bad_mailboxes_are_suppressed(setup, server):
    settings, store = setup
    issue_id = approved_issue(store, settings)
    add(store, "nobody@example.org")
    add(store, "policy@example.org")
    add(store, "ok@example.org")
    server.recorder.rcpt_replies["nobody@example.org"] = ["550 5.1.1 no such user"]
    server.recorder.data_replies["policy@example.org"] = ["554 5.7.1 rejected by policy"]
    report = send_issue(store, settings, issue_id)
    assert report.issue.state is IssueState.SENT  # every message has a final status
    assert report.counts.by_status == {"sent": 1, "failed": 2}
    assert store.find_subscriber("nobody@example.org").status is SubscriberStatus.BOUNCED
    assert store.suppression("nobody@example.org") is not None
    assert store.find_subscriber("policy@example.org").status is SubscriberStatus.ACTIVE
    status = run(settings, "send", "--status", str(issue_id)).output
    assert "failed" in status
    assert "550" in status
    assert "554" in status


def test_4xx_until_attempts_run_out_is_a_failure(setup, server):
    settings, store = setup
    settings = settings.with_overrides(send_max_attempts=3)
    issue_id = approved_issue(store, settings)
    add(store, "full@example.org")
    server.recorder.rcpt_replies["full@example.org"] = ["452 4.2.2 mailbox full"] * 10
    report = send_issue(store, settings, issue_id)
    assert report.counts.by_status == {"failed": 1}
    (problem,) = store.outbox_problems(issue_id)
    assert problem.attempts == 3
    assert "gave up after 3 attempts" in problem.last_response


def test_unsubscribing_during_a_send_takes_effect_at_once(setup, server):
    settings, store = setup
    issue_id = approved_issue(store, settings)
    keep = add(store, "keep@example.org")
    leave = add(store, "leave@example.org")
    issue = store.find_issue(issue_id)
    from mediawatch.review.actions import begin_sending

    begin_sending(store, issue_id, settings)
    store.build_outbox(
        issue_id,
        publication=issue.publication,
        languages=issue.languages,
        message_id=lambda s, lang: f"<{s}.{lang}@example.org>",
        actor="test",
    )
    unsubscribe(store, leave.id, CLI)  # after the outbox was built
    report = send_issue(store, settings, issue_id)
    assert report.counts.by_status == {"sent": 1, "skipped": 1}
    assert server.recorder.per_recipient() == {keep.email: 1}


def test_no_subscribers_still_finishes(setup, server):
    settings, store = setup
    issue_id = approved_issue(store, settings)
    report = send_issue(store, settings, issue_id)
    assert report.counts.total == 0
    assert report.issue.state is IssueState.SENT


def test_cli_send_and_status(setup, server):
    settings, store = setup
    issue_id = approved_issue(store, settings)
    for n in range(5):
        add(store, f"reader{n}@example.org", ("fr", "en", "es")[n % 3])
    slug = store.find_issue(issue_id).slug
    result = run(settings, "send", slug)
    assert result.exit_code == 0, result.output
    assert "5 messages, 5 sent" in result.output
    assert f"Issue {slug} is sent." in result.output
    data = json.loads(run(settings, "send", "--status", "--json", slug).output)
    assert data["state"] == "sent"
    assert data["total"] == 5
    assert data["by_language"]["fr"] == {"sent": 2}
    french = run(settings, "--lang", "es", "send", "--status", slug).output
    assert "Número" in french


def test_dry_run_writes_eml_files_and_sends_nothing(setup, server, tmp_path):
    settings, store = setup
    issue_id = approved_issue(store, settings)
    add(store, "a@example.org", "fr")
    add(store, "b@example.org", "es")
    report = dry_run(store, settings, issue_id, tmp_path / "out")
    assert report.written == 2
    assert report.by_language == {"fr": 1, "es": 1}
    files = sorted((tmp_path / "out").glob("*.eml"))
    assert [f.name for f in files] == ["000001-fr-a@example.org.eml", "000002-es-b@example.org.eml"]
    import email
    import email.policy

    msg = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Content-Language"] == "es"
    assert server.recorder.snapshot() == []
    assert store.send_record(issue_id) is None
    (tmp_path / "cli-out").mkdir()  # a folder named with --out must exist (README)
    result = run(settings, "send", "--dry-run", "--out", str(tmp_path / "cli-out"), str(issue_id))
    assert result.exit_code == 0
    assert "2 messages written" in result.output


def test_test_copies_one_per_edition_even_before_approval(setup, server):
    settings, store = setup
    approved_issue(store, settings)
    draft = make_issue(store)
    results = send_test(store, settings, draft, "reviewer@example.org")
    assert [lang for lang, _ in results] == ["fr", "en", "es"]
    got = server.recorder.snapshot()
    assert len(got) == 3
    assert all(r.rcpt_tos == ["reviewer@example.org"] for r in got)
    assert {r.message()["Content-Language"] for r in got} == {"fr", "en", "es"}
    assert store.send_record(draft) is None
    assert any(e.action == "send.test" for e in store.audit(draft))
    result = run(settings, "send", "--test", "other@example.org", str(draft))
    assert result.exit_code == 0
    assert result.output.count("test copy sent") == 3


def test_personalised_copies_match_a_real_render(setup):
    settings, store = setup
    issue_id = approved_issue(store, settings)
    sub = add(store, "x@example.org", "en")
    edition = prepare_editions(store.issue_content(issue_id), settings)["en"]
    links = link_signer(settings).personal_links(sub)
    html, text = edition.personalise(links)
    assert edition.verified
    assert edition.shortcut
    real = render_edition(store.issue_content(issue_id), "en", settings, personal=links)
    assert (html, text) == (real.html, real.text)
    assert links_of(html) - links_of(edition.archive.html) == {links.unsubscribe_url, links.preferences_url}


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_the_edition_says_unsubscribe_in_the_words_of_the_opt_in_mails(setup, lang):
    """The edition's footer said "Se désinscrire" where the opt-in mails, the form and the pages say
    "se désabonner": one wording per language for the one action."""
    import lxml.html

    settings, store = setup
    issue_id = approved_issue(store, settings)
    links = link_signer(settings).personal_links(add(store, "x@example.org", lang))
    edition = render_edition(store.issue_content(issue_id), lang, settings, personal=links)
    (anchor,) = [
        a for a in lxml.html.fromstring(edition.html).iter("a") if a.get("href") == links.unsubscribe_url
    ]
    assert anchor.text_content().strip() == t("email.unsubscribe", lang)
    label = next(line for line in edition.text.splitlines() if line.endswith(links.unsubscribe_url))
    assert label.startswith(t("email.unsubscribe", lang))
    if lang == "fr":
        assert "désinscri" not in edition.html + edition.text


# -- DKIM and TLS -------------------------------------------------------------------------------------
def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def test_dkim_signature_covers_the_unsubscribe_headers(setup, server, tmp_path):
    import dkim

    settings, store = setup
    _openssl("genrsa", "-out", "dkim.pem", "2048", cwd=tmp_path)
    _openssl("rsa", "-in", "dkim.pem", "-pubout", "-out", "dkim.pub", cwd=tmp_path)
    public = "".join(
        line for line in (tmp_path / "dkim.pub").read_text().splitlines() if not line.startswith("-----")
    )
    settings = settings.with_overrides(dkim_key_file=str(tmp_path / "dkim.pem"), dkim_selector="mw2026")
    issue_id = approved_issue(store, settings)
    add(store, "signed@example.org")
    send_issue(store, settings, issue_id)
    (got,) = server.recorder.snapshot()
    header = got.message()["DKIM-Signature"]
    tags = dict(part.strip().split("=", 1) for part in " ".join(header.split()).split(";") if "=" in part)
    assert tags["d"] == "example.org"
    assert tags["s"] == "mw2026"
    signed = tags["h"].replace(" ", "").lower().split(":")
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject", "list-id"} <= set(signed)

    def dns(name, timeout=5):
        assert name == b"mw2026._domainkey.example.org."
        return f"v=DKIM1; k=rsa; p={public}".encode()

    assert dkim.verify(got.data, dnsfunc=dns)
    tampered = got.data.replace(
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: x"
    )
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_starttls_and_login(tmp_path):
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        cwd=tmp_path,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == b"mw"
            and auth_data.password == b"s3cret"
        )
        return AuthResult(success=ok, handled=False)

    recorder = Recorder()
    with SmtpServer(
        recorder, tls_context=context, require_starttls=True, authenticator=authenticator, auth_required=True
    ) as srv:
        url = f"smtp://mw:s3cret@127.0.0.1:{srv.port}?starttls=1&cafile={tmp_path / 'cert.pem'}"
        settings = make_settings(tmp_path, url)
        store = open_store(settings)
        issue_id = approved_issue(store, settings)
        add(store, "tls@example.org")
        assert send_issue(store, settings, issue_id).counts.by_status == {"sent": 1}
        bad = make_settings(tmp_path, url.replace("s3cret", "wrong"))
        from mediawatch.errors import SenderRefused

        issue2 = approved_issue(store, settings)
        with pytest.raises(SenderRefused, match="refused the login"):
            send_issue(store, bad, issue2)
        assert store.outbox_counts(issue2).by_status == {"queued": 1}  # nothing lost: a rerun goes on
        assert send_issue(store, settings, issue2).counts.by_status == {"sent": 1}
        store.close()
    assert len(recorder.snapshot()) == 2


def test_unreachable_server_leaves_messages_queued(tmp_path, db_url):
    from deliver_samples import free_port

    settings = make_settings(tmp_path, f"smtp://127.0.0.1:{free_port()}?timeout=2", db=db_url)
    store = open_store(settings)
    issue_id = approved_issue(store, settings)
    add(store, "wait@example.org")
    with pytest.raises(DeliveryError, match="remaining messages stay queued"):
        send_issue(store, settings, issue_id)
    assert store.find_issue(issue_id).state is IssueState.SENDING
    assert store.outbox_counts(issue_id).by_status == {"queued": 1}
    assert store.suppression("wait@example.org") is None
    result = run(settings, "send", str(issue_id))
    assert result.exit_code == 1  # not a refusal: the same command later goes on
    assert "remaining messages stay queued" in result.output
    store.close()


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_status_says_the_next_retry_in_words_with_its_zone(tmp_path, db_url, lang):
    """It said "next retry at 2026-12-07 13:45:00 UTC" in every language."""
    from deliver_samples import free_port

    settings = make_settings(tmp_path, f"smtp://127.0.0.1:{free_port()}?timeout=2", db=db_url)
    store = open_store(settings)
    issue_id = approved_issue(store, settings)
    add(store, "wait@example.org")
    with pytest.raises(DeliveryError):
        send_issue(store, settings, issue_id)
    retry = store.outbox_counts(issue_id).next_attempt_at
    assert retry is not None
    status = run(settings, "--lang", lang, "send", "--status", str(issue_id), MEDIAWATCH_I18N_STRICT="1")
    assert t("deliver.cli.next_retry", lang, when=format_datetime_utc(retry, lang)) in status.output
    assert not re.search(r"\d{4}-\d{2}-\d{2}", status.output), status.output
    as_json = json.loads(run(settings, "send", "--status", "--json", str(issue_id)).output)
    assert datetime.fromisoformat(as_json["next_attempt_at"]) == retry  # scripts keep ISO 8601 and its offset
    assert datetime.fromisoformat(as_json["next_attempt_at"]).utcoffset() is not None
    store.close()


def test_an_unsubscribe_in_the_middle_of_a_batch_takes_effect_from_the_next_message(tmp_path, db_url):
    """The batch of rows is read ahead; the subscriber's status is read again just before each message."""
    from deliver_samples import Recorder

    class UnsubscribeOnFirst(Recorder):
        callback = None

        async def handle_DATA(self, server, session, envelope):
            answer = await super().handle_DATA(server, session, envelope)
            if self.count == 1 and self.callback:
                self.callback()
            return answer

    recorder = UnsubscribeOnFirst()
    with SmtpServer(recorder) as srv:
        settings = make_settings(tmp_path, srv.url, db=db_url)
        store = open_store(settings)
        issue_id = approved_issue(store, settings)
        first = add(store, "first@example.org")
        second = add(store, "second@example.org")
        third = add(store, "third@example.org")
        other = open_store(settings)  # the web app's connection, in another thread
        recorder.callback = lambda: (unsubscribe(other, second.id, CLI), other.delete_subscriber(third.id))
        report = send_issue(store, settings, issue_id)
        assert report.counts.by_status == {"sent": 1, "skipped": 2}
        assert recorder.per_recipient() == {first.email: 1}
        other.close()
        store.close()
