"""Subscribers on the command line (add, CSV import with bad rows, export, list, remove) and the bounce
mailbox (DSN, ARF, mailto unsubscribe; Maildir and mbox; idempotent), against a real SMTP server."""

from __future__ import annotations

import csv
import io
import json
import mailbox
import re

import pytest
from deliver_samples import SmtpServer, approved_issue, make_settings, open_store
from test_deliver import add, run

from mediawatch.deliver.links import LinkPurpose, link_signer
from mediawatch.deliver.send import send_issue
from mediawatch.errors import WorkflowError
from mediawatch.types import Publication, SubscriberStatus


@pytest.fixture
def setup(tmp_path, db_url):
    with SmtpServer() as server:
        settings = make_settings(tmp_path, server.url, db=db_url)
        store = open_store(settings)
        yield settings, store, server.recorder
        store.close()


BAD_CSV = (
    "\ufeffemail;language;publications\n"  # a French spreadsheet: BOM and semicolons
    "ok@example.org;fr;newsletter\n"
    "bad-address;fr;newsletter\n"
    "two@example.org;de;newsletter\n"
    "three@example.org;es;magazine\n"
    "OK@example.org;en;newsletter\n"
    '"four@example.org";en;"newsletter, press-review"\n'
    "five@example.org;es;both;extra\n"
    "\n"
    "six@example.org;es;\n"
)


def test_csv_import_keeps_good_rows_and_reports_each_bad_one(setup, tmp_path):
    settings, store, recorder = setup
    path = tmp_path / "list.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    result = run(settings, "subscribers", "import-csv", str(path))
    assert result.exit_code == 4
    assert (
        "2 imported and subscribed at once, without a confirmation mail (consent obtained elsewhere), "
        "0 already known, 6 bad rows." in result.output
    )
    lines = result.output
    assert "line 3, column email (bad-address): “bad-address” is not an email address" in lines
    assert "line 4, column language (two@example.org): unknown language “de”" in lines
    assert "line 5, column publications (three@example.org): unknown publication “magazine”" in lines
    assert "line 6 (OK@example.org): the same address as line 2" in lines
    assert "line 8 (five@example.org): more cells than the header" in lines
    assert "line 10, column publications (six@example.org): choose at least one publication" in lines
    four = store.find_subscriber("four@example.org")
    assert four.status is SubscriberStatus.ACTIVE
    assert four.publications == tuple(Publication)
    (record,) = store.consent_records(four.id)
    assert (record.method, record.form) == ("csv-import", "list.csv")
    assert recorder.snapshot() == []  # active imports get no mail

    again = run(settings, "--lang", "fr", "subscribers", "import-csv", str(path))
    assert "0 importés, 2 déjà connus, 6 lignes invalides." in again.output
    assert "ligne 4, colonne language (two@example.org) : langue inconnue «\u00a0de\u00a0»" in again.output
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("mail,lang\nx@example.org,fr\n", encoding="utf-8")
    result = run(settings, "subscribers", "import-csv", str(bad_header))
    assert result.exit_code == 2
    assert "lacks column(s) email, language, publications" in result.output


@pytest.mark.parametrize(
    ("lang", "count", "words"),
    [
        ("en", 1, "1 imported and subscribed at once, without a confirmation mail (consent obtained "
                  "elsewhere), 0 already known, 0 bad rows."),
        ("fr", 1, "1 importé et abonné d'office, sans message de confirmation (consentement recueilli "
                  "ailleurs), 0 déjà connus, 0 lignes invalides."),
        ("fr", 2, "2 importés et abonnés d'office, sans message de confirmation (consentement recueilli "
                  "ailleurs), 0 déjà connus, 0 lignes invalides."),
        ("es", 1, "1 importado y suscrito directamente, sin mensaje de confirmación (consentimiento obtenido "
                  "por otra vía), 0 ya conocidos, 0 líneas erróneas."),
        ("es", 2, "2 importados y suscritos directamente, sin mensaje de confirmación (consentimiento "
                  "obtenido por otra vía), 0 ya conocidos, 0 líneas erróneas."),
    ],
)  # fmt: skip
def test_an_import_without_double_opt_in_says_who_was_subscribed_unconfirmed(setup, tmp_path, lang, count,
                                                                             words):  # fmt: skip
    settings, store, recorder = setup
    path = tmp_path / "list.csv"
    rows = "".join(f"p{n}@example.org,fr,newsletter\n" for n in range(count))
    path.write_text("email,language,publications\n" + rows, encoding="utf-8")
    result = run(settings, "--lang", lang, "subscribers", "import-csv", str(path))
    assert result.exit_code == 0, result.output
    assert words in result.output, result.output
    assert store.find_subscriber("p0@example.org").status is SubscriberStatus.ACTIVE
    assert recorder.snapshot() == []


def test_import_csv_help_says_it_subscribes_at_once_without_double_opt_in(setup):
    settings, _, _ = setup
    result = run(settings, "subscribers", "import-csv", "--help")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Without --double-opt-in every imported address is subscribed at once" in said, said


def test_a_long_file_name_is_recorded_cut_on_every_database(setup, tmp_path):
    """The consent record keeps the import's file name in an 80-character column: PostgreSQL refuses a
    longer value where SQLite would keep it, so the store cuts it the same way on both."""
    settings, store, _ = setup
    path = tmp_path / ("abonnés-" + "x" * 150 + ".csv")
    path.write_text("email,language,publications\nlong@example.org,fr,newsletter\n", encoding="utf-8")
    result = run(settings, "subscribers", "import-csv", str(path))
    assert result.exit_code == 0, result.output
    [record] = store.consent_records(store.find_subscriber("long@example.org").id)
    assert record.form == path.name[:80]


def test_csv_import_with_double_opt_in_mails_confirmations(setup, tmp_path):
    settings, store, recorder = setup
    path = tmp_path / "optin.csv"
    path.write_text("email,language,publications\na@example.org,es,newsletter\nb@example.org,fr,both\n")
    result = run(settings, "subscribers", "import-csv", "--double-opt-in", str(path))
    assert result.exit_code == 0
    assert "2 confirmation mails sent." in result.output
    assert store.find_subscriber("a@example.org").status is SubscriberStatus.PENDING
    subjects = sorted(r.message()["Subject"] for r in recorder.snapshot())
    # the organisation as each language's pages write it
    assert subjects == ["Confirme su suscripción a 4 por 1000", "Confirmez votre abonnement à 4 pour 1000"]


def test_export_then_import_round_trip(setup, tmp_path):
    settings, store, _recorder = setup
    add(store, "a@example.org", "fr", "both", fallback="es")
    add(store, "b@example.org", "en", "press-review")
    out = tmp_path / "out.csv"
    result = run(settings, "subscribers", "export-csv", "-o", str(out))
    assert result.exit_code == 0
    assert "2 subscribers written" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0]["email"] == "a@example.org"
    assert rows[0]["publications"] == "newsletter;press-review"
    assert rows[0]["fallback"] == "es"
    assert rows[1]["status"] == "active"
    other = make_settings(tmp_path / "other")
    (tmp_path / "other").mkdir()
    assert run(other, "subscribers", "import-csv", str(out)).exit_code == 0
    listed = [json.loads(line) for line in run(other, "subscribers", "list", "--json").output.splitlines()]
    assert [(r["email"], r["language"], r["publications"], r["fallback"]) for r in listed] == [
        ("a@example.org", "fr", "newsletter;press-review", "es"),
        ("b@example.org", "en", "press-review", ""),
    ]


def test_add_list_remove(setup):
    settings, store, recorder = setup
    result = run(
        settings, "subscribers", "add", "New@Example.org", "--language", "es", "--publication", "newsletter"
    )
    assert result.exit_code == 0
    assert "a confirmation mail was sent" in result.output
    (mail,) = recorder.snapshot()
    assert mail.rcpt_tos == ["New@example.org"]
    assert mail.message()["Content-Language"] == "es"
    assert store.find_subscriber("new@example.org").status is SubscriberStatus.PENDING
    result = run(
        settings,
        "subscribers",
        "add",
        "admin@example.org",
        "--language",
        "fr",
        "--publication",
        "press-review",
        "--confirmed",
        "--note",
        "paper form 2024-03",
    )
    assert "added, active" in result.output
    record = store.consent_records(store.find_subscriber("admin@example.org").id)[0]
    assert record.detail == "paper form 2024-03"
    result = run(
        settings,
        "subscribers",
        "add",
        "admin@example.org",
        "--language",
        "fr",
        "--publication",
        "newsletter",
        "--confirmed",
    )
    assert result.exit_code == 2
    assert "already a subscriber" in result.output
    listed = run(settings, "subscribers", "list", "--status", "active").output
    assert "admin@example.org" in listed
    assert "New@example.org" not in listed
    assert "1 subscriber." in listed
    assert (
        "admin@example.org unsubscribed" in run(settings, "subscribers", "remove", "admin@example.org").output
    )
    assert store.find_subscriber("admin@example.org").status is SubscriberStatus.UNSUBSCRIBED
    assert run(settings, "subscribers", "remove", "--forget", "admin@example.org").exit_code == 0
    assert store.find_subscriber("admin@example.org") is None
    result = run(settings, "subscribers", "remove", "nobody@example.org")
    assert result.exit_code == 2
    assert "no subscriber" in result.output
    bad = run(
        settings, "subscribers", "add", "not-an-address", "--language", "fr", "--publication", "newsletter"
    )
    assert bad.exit_code == 2
    assert "is not an email address" in bad.output
    assert "Traceback" not in bad.output


# -- bounces ------------------------------------------------------------------------------------------
def _dsn(recipient: str, action: str, status: str, original_id: str, n: int) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.net\r\nTo: news@example.org\r\n"
        f"Subject: Delivery Status Notification\r\nMessage-ID: <dsn{n}@mx.example.net>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"\r\n\r\n'
        "--BOUND\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--BOUND\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} mailbox problem\r\n\r\n"
        "--BOUND\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: news@example.org\r\nTo: {recipient}\r\nMessage-ID: {original_id}\r\nSubject: x\r\n\r\n"
        "--BOUND--\r\n"
    ).encode()


def _arf(original_id: str, list_unsubscribe: str) -> bytes:
    return (
        "From: feedback@isp.example.net\r\nTo: abuse@example.org\r\nSubject: FW: complaint\r\n"
        "Message-ID: <arf1@isp.example.net>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"\r\n\r\n'
        "--ARF\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        "--ARF\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: SomeGenerator/1.0\r\nVersion: 1\r\n"
        "Original-Mail-From: <news@example.org>\r\n\r\n"
        "--ARF\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: news@example.org\r\nTo: redacted@isp.example.net\r\nMessage-ID: {original_id}\r\n"
        f"List-Unsubscribe: {list_unsubscribe}\r\nSubject: x\r\n\r\nbody\r\n"
        "--ARF--\r\n"
    ).encode()


@pytest.mark.parametrize("kind", ["maildir", "mbox"])
def test_bounces_import_suppresses_hard_bounces_and_complaints(setup, tmp_path, kind):
    settings, store, recorder = setup
    issue_id = approved_issue(store, settings)
    people = {n: add(store, f"{n}@example.org") for n in ("hard", "soft", "complainer", "leaver", "fine")}
    send_issue(store, settings, issue_id)
    sent = {r.rcpt_tos[0]: r.message() for r in recorder.snapshot()}
    token = link_signer(settings).token(LinkPurpose.UNSUBSCRIBE, people["leaver"])
    messages = [
        _dsn("hard@example.org", "failed", "5.1.1", sent["hard@example.org"]["Message-ID"], 1),
        _dsn("soft@example.org", "delayed", "4.4.1", sent["soft@example.org"]["Message-ID"], 2),
        _arf(
            sent["complainer@example.org"]["Message-ID"], sent["complainer@example.org"]["List-Unsubscribe"]
        ),
        f"From: leaver@example.org\r\nTo: news@example.org\r\nSubject: unsubscribe {token}\r\n\r\n".encode(),
        b"From: someone@example.net\r\nTo: news@example.org\r\nSubject: hello\r\n\r\nJust a reply.\r\n",
    ]
    path = tmp_path / ("Maildir" if kind == "maildir" else "bounces.mbox")
    box = mailbox.Maildir(path, create=True) if kind == "maildir" else mailbox.mbox(path, create=True)
    for raw in messages:
        box.add(raw)
    box.flush()
    box.close()

    result = run(settings, "bounces", "import", str(path))
    assert result.exit_code == 0, result.output
    assert (
        "5 messages read: 1 hard bounce, 1 soft bounce, 1 complaint, 1 unsubscribe mail, "
        "1 not recognised, 0 read before; 3 subscribers changed."
    ) in result.output
    status = {n: store.find_subscriber(p.id).status for n, p in people.items()}
    assert status == {
        "hard": SubscriberStatus.BOUNCED,
        "soft": SubscriberStatus.ACTIVE,
        "complainer": SubscriberStatus.COMPLAINED,
        "leaver": SubscriberStatus.UNSUBSCRIBED,
        "fine": SubscriberStatus.ACTIVE,
    }
    assert store.suppression("hard@example.org").reason == "hard-bounce"
    assert store.suppression("complainer@example.org").reason == "complaint"
    assert store.suppression("soft@example.org") is None
    assert [r.method for r in store.consent_records(people["leaver"].id)][-1] == "mailto"

    # the same mailbox again: nothing new
    again = json.loads(run(settings, "bounces", "import", "--json", str(path)).output)
    assert again["already_seen"] == 5
    assert again["changed"] == 0

    # never written to again, not even if re-added or re-imported
    with pytest.raises(WorkflowError, match="suppression list"):
        add(store, "hard@example.org")
    store.delete_subscriber(people["complainer"].id)  # "delete my data" keeps the address suppressed
    with pytest.raises(WorkflowError, match="suppression list"):
        add(store, "complainer@example.org")
    before = len(recorder.snapshot())
    second = approved_issue(store, settings)
    send_issue(store, settings, second)
    got = sorted(r.rcpt_tos[0] for r in recorder.snapshot()[before:])
    assert got == ["fine@example.org", "soft@example.org"]


def test_bounces_import_reports_a_missing_mailbox(setup, tmp_path):
    settings, _store, _recorder = setup
    (tmp_path / "notamaildir").mkdir()
    result = run(settings, "bounces", "import", str(tmp_path / "notamaildir"))
    assert result.exit_code == 2
    assert "not a Maildir" in result.output


def test_show_gives_the_team_the_consent_record_the_subscriber_can_export(setup):
    """`subscribers list --json` and `export-csv` carry no consent; `subscribers show` says who consented
    to what, when and how (the subscriber's own export, in the team's language or as that JSON)."""
    from mediawatch.deliver.subscribers import Origin, confirm, export_data, subscribe, unsubscribe

    settings, store, _ = setup
    web = Origin(
        method="web-form",
        form="public-subscribe",
        ip="203.0.113.7",
        user_agent="Mozilla/5.0 (X11)",
        wording_version="2025-01",
    )
    result = subscribe(store, email="Ana@Example.org", language="es", publications="both", origin=web)
    assert confirm(store, result.subscriber, Origin(method="confirm-page", form="public-confirm"))
    unsubscribe(store, result.subscriber.id, Origin(method="one-click"))

    shown = run(settings, "--lang", "fr", "subscribers", "show", "ana@example.org")
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == "Ana@example.org : désabonné"
    assert "  Langue : espagnol" in lines
    assert "  Publications : la lettre d'information et la revue de presse" in lines
    assert "Registre du consentement (3 entrées) :" in lines
    record = lines.index("Registre du consentement (3 entrées) :")
    subscribed, confirmed, left = lines[record + 1 : record + 4]  # each says its moment in words
    assert "abonnement demandé · formulaire d'abonnement du site" in subscribed
    assert "texte du consentement : version 2025-01 · IP : 203.0.113.7" in subscribed
    assert "navigateur : Mozilla/5.0 (X11)" in subscribed
    assert "abonnement confirmé · page de confirmation" in confirmed
    assert "désabonnement · désabonnement en un clic depuis la messagerie" in left
    assert any(re.fullmatch(r"  Désabonnement : \d+\s\w+\.?\s\d{4},\s\d+\sh\s\d\d", line) for line in lines)
    assert lines[-1] == "Heures en temps universel (UTC)."

    english = run(settings, "--lang", "en", "subscribers", "show", "ana@example.org").output
    assert "Consent record (3 entries):" in english
    assert "subscription confirmed · confirmation page" in english
    spanish = run(settings, "--lang", "es", "subscribers", "show", "ana@example.org").output
    assert "  Idioma: español" in spanish
    assert "suscripción solicitada · formulario de suscripción del sitio" in spanish

    as_json = run(settings, "subscribers", "show", "ana@example.org", "--json")
    assert json.loads(as_json.output) == export_data(store, store.find_subscriber("ana@example.org"))
    record = json.loads(as_json.output)
    assert [(c["action"], c["method"]) for c in record["consent_records"]] == [
        ("subscribe", "web-form"),
        ("confirm", "confirm-page"),
        ("unsubscribe", "one-click"),
    ]
    assert record["consent_records"][0]["ip"] == "203.0.113.7"

    missing = run(settings, "--lang", "fr", "subscribers", "show", "nobody@example.org")
    assert missing.exit_code == 2
    assert "aucun abonné «\u00a0nobody@example.org\u00a0»" in missing.output
