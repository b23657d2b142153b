"""A saved watch's mail: the digest (daily or weekly) and the spike alert, each built once and sent once.

    run_watches(store, settings, due=True, clock=clock)   # the nightly job's step

For each watch: the digest of the period that ended (only the matches the collector found since the last
digest's cut-off), built in the transaction that moves the cut-off; the spike alert of today or yesterday
when that day's matches are far above the watch's recent average (:func:`mediawatch.watch.watches.spike_of`).
Then every queued watch mail goes through the issue sender's SMTP session with the outbox's states:
``queued -> data_sent`` committed just before the end-of-data dot, the final status when the reply comes;
a restart settles ``data_sent`` rows as sent, unconfirmed, never sending them twice (docs/deliver.md).
An empty digest is not sent (its period is still closed).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.config import Settings
from mediawatch.deliver.addresses import normalise_email
from mediawatch.deliver.identity import MailIdentity, mail_identity, smtp_config
from mediawatch.deliver.mime import build_message
from mediawatch.deliver.send import retry_delay
from mediawatch.deliver.smtp import Outcome, SmtpSession
from mediawatch.errors import ConfigError, EndNotSent, InvalidInput, SmtpUnavailable
from mediawatch.i18n import Listed, Message, language_name, said, t, tn
from mediawatch.store.watches import NewWatchMail, Watch, WatchMail, WatchMailSession, WatchMatch
from mediawatch.types import OutboxStatus
from mediawatch.watch.watches import (
    TEAM,
    WatchStore,
    day_counts,
    day_start,
    digest_period,
    names_for,
    needs_taxonomy,
    query_of,
    query_words,
    recipient,
    saved_filters,
    spike_of,
)

log = logging.getLogger("mediawatch.deliver")

DIGEST, SPIKE = "digest", "spike"
MAX_STORIES = 100  # in one mail; the rest is counted ("and 12 more")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def check_email(raw: str) -> str:
    """An address for a watch or a user ("" stays ""), in the form kept; InvalidInput naming the problem."""
    return normalise_email(raw) if (raw or "").strip() else ""


# -- building -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StoryLine:
    title: str
    url: str
    outlet: str
    language: str
    found: str  # date the collector found it
    more: int  # other new articles of the same story


@cache
def _environment() -> Environment:
    folder = Path(__file__).with_name("templates")
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _stories(matches: Sequence[WatchMatch]) -> list[tuple[int, list[WatchMatch]]]:
    """Matches grouped by story, the newest found first."""
    grouped: dict[int, list[WatchMatch]] = {}
    for match in matches:
        grouped.setdefault(match.story_id, []).append(match)
    return sorted(grouped.items(), key=lambda kv: max(m.discovered for m in kv[1]), reverse=True)


def _lines(groups: list[tuple[int, list[WatchMatch]]], lang: str) -> list[StoryLine]:
    lines = []
    for _story, members in groups[:MAX_STORIES]:
        first = max(members, key=lambda m: (m.discovered, m.article_id))
        lines.append(
            StoryLine(
                title=" ".join(first.title.split()) or first.url,
                url=first.url if first.url.startswith(("http://", "https://")) else "",
                outlet=first.outlet or "-",
                language=language_name(first.language, lang),
                found=first.discovered.date().isoformat(),
                more=len(members) - 1,
            )
        )
    return lines


def compose_mail(
    watch: Watch,
    kind: str,
    matches: Sequence[WatchMatch],
    *,
    settings: Settings,
    period_end: datetime,
    to: str,
    identity_domain: str,
    detail: str = "",
) -> NewWatchMail:
    """The subject, text and HTML of a digest or an alert, in the watch's language."""
    lang = watch.language
    groups = _stories(matches)
    lines = _lines(groups, lang)
    count = len(groups)
    if kind == SPIKE:
        subject = tn("watches.mail.spike_subject", len(matches), lang, name=watch.name)
        intro = detail
    else:
        subject = tn("watches.mail.digest_subject", count, lang, name=watch.name)
        key = (
            "watches.mail.digest_intro_weekly"
            if watch.every == "weekly"
            else "watches.mail.digest_intro_daily"
        )
        intro = tn(key, count, lang, name=watch.name, query=query_words(watch, lang))
    base = settings.base_url.rstrip("/")
    context = {
        "lang": lang,
        "subject": subject,
        "intro": intro,
        "stories": lines,
        "hidden": max(0, count - len(lines)),
        "more_text": lambda n: tn("watches.mail.more_articles", n, lang),
        "hidden_text": tn("watches.mail.hidden", max(0, count - len(lines)), lang),
        "manage": t("watches.mail.manage", lang, name=watch.name, url=f"{base}/watches"),
        "owner": t("watches.mail.owner_team", lang)
        if watch.owner == TEAM
        else t("watches.mail.owner_user", lang, name=watch.owner),
    }
    env = _environment()
    text = env.get_template("watch_mail.txt.j2").render(context)
    html = env.get_template("watch_mail.html.j2").render(context)
    label = f"watch{watch.id}.{kind}.{period_end:%Y%m%d%H%M%S}"
    return NewWatchMail(
        kind=kind,
        period_end=period_end,
        recipient=to,
        language=lang,
        subject=subject,
        body_text=text,
        body_html=html,
        stories=tuple(story for story, _m in groups),
        message_id=f"<{label}.{secrets.token_hex(6)}@{identity_domain}>",
    )


@dataclass(slots=True)
class WatchRun:
    """What one run did, watch by watch (names), for the CLI and the nightly summary."""

    digests: list[str] = field(default_factory=list)  # built this run
    empty: list[str] = field(default_factory=list)  # periods closed with nothing new
    spikes: list[str] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)
    recovered: int = 0
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # queued for a retry
    # The team's taxonomy could not be read: nothing was built for the watches that name a theme or an
    # objective, their periods stay open (the queued mail went); the error says so, then the cause.
    unreadable: ConfigError | None = None
    waiting_for_taxonomy: list[str] = field(default_factory=list)


def build_digest(
    store: WatchStore, settings: Settings, watch: Watch, period_end: datetime, domain: str, run: WatchRun
) -> None:
    since = watch.last_digest_at or watch.created_at
    if period_end <= since:
        return
    to = recipient(store, watch)
    if not to:
        run.no_address.append(watch.name)
        return
    filters = saved_filters(watch.filters, names_for(watch.filters, settings.taxonomy_dir))
    matches = (
        store.watch_matches(query_of(watch), filters, found_since=since, found_until=period_end)
        if filters is not None
        else []
    )
    if not matches:
        store.advance_watch_digest(watch.id, period_end)
        run.empty.append(watch.name)
        return
    mail = compose_mail(
        watch, DIGEST, matches, settings=settings, period_end=period_end, to=to, identity_domain=domain
    )
    store.build_watch_mail(watch.id, mail, advance_digest=True)
    run.digests.append(watch.name)


def check_spikes(
    store: WatchStore, settings: Settings, watch: Watch, now: datetime, domain: str, run: WatchRun
) -> None:
    """Yesterday (a whole day, the common case for a nightly run) and today so far."""
    days = max(1, settings.watch_spike_days)
    today = day_start(now)
    first = today - timedelta(days=days + 1)
    filters = saved_filters(watch.filters, names_for(watch.filters, settings.taxonomy_dir))
    if filters is None:  # a code the taxonomy no longer has: nothing matches, so nothing spikes
        return
    matches = store.watch_matches(query_of(watch), filters, found_since=first, found_until=now)
    counts = day_counts(matches, first, days + 2)
    taken = {m.period_end for m in store.watch_mail(watch.id, kind=SPIKE)}
    for offset in (days, days + 1):  # yesterday, today
        day = first + timedelta(days=offset)
        if day in taken:
            continue
        spike = spike_of(
            counts[offset],
            counts[offset - days : offset],
            factor=settings.watch_spike_factor,
            minimum=settings.watch_spike_minimum,
        )
        if spike is None:
            continue
        to = recipient(store, watch)
        if not to:
            run.no_address.append(watch.name)
            return
        caused = [m for m in matches if day <= m.discovered < day + timedelta(days=1)]
        detail = t(
            "watches.mail.spike_intro",
            watch.language,
            name=watch.name,
            day=day.date().isoformat(),
            count=spike.count,
            mean=f"{spike.mean:.1f}",
            days=days,
        )
        mail = compose_mail(
            watch, SPIKE, caused, settings=settings, period_end=day, to=to, identity_domain=domain,
            detail=detail,
        )  # fmt: skip
        store.build_watch_mail(watch.id, mail, advance_digest=False)
        run.spikes.append(watch.name)


def run_watches(
    store: WatchStore,
    settings: Settings,
    *,
    names: Sequence[str] = (),
    due: bool = True,
    clock: Clock = utc_now,
) -> WatchRun:
    """Build what is due and send every queued watch mail (of ``names`` only, when given).

    ``due``: a digest only for a period that ended (daily: at midnight UTC; weekly: on Monday); else a
    digest of what is new up to now (``watches run NAME``: try a watch out). One run at a time: the lock
    keeps two runs from sending the same row. A taxonomy that cannot be read builds nothing for the watches
    that name a theme or an objective (``unreadable`` says why) and sends what was queued; the caller
    reports it."""
    run = WatchRun()
    with store.run_lock("watches", resource="watches"):
        now = clock()
        watches = [w for w in store.list_watches() if w.active and (not names or w.name in names)]
        missing = sorted(set(names) - {w.name for w in watches})
        if missing:
            raise InvalidInput(Message("watches.invalid.unknown", name=", ".join(missing)))
        if not watches:
            return run  # nothing to do: no need of a sender or a server
        identity = mail_identity(settings)
        server = smtp_config(settings)
        watch_ids = [w.id for w in watches]
        needing = [w for w in watches if needs_taxonomy(w.filters)]
        try:
            if needing:
                taxonomy_names(settings.taxonomy_dir)  # read once here; the builders below find it cached
        except ConfigError as exc:
            # Without it a saved theme or objective cannot be judged (a code may have left it): those watches
            # build nothing, so that their periods stay open and the next run after the fix mails what was
            # found meanwhile. The others search without it, and the mail already queued goes.
            run.waiting_for_taxonomy = [w.name for w in needing]
            run.unreadable = said(
                ConfigError,
                "watches.run.taxonomy_unreadable",
                names=Listed(run.waiting_for_taxonomy),
                problem=exc.reason or str(exc),
            )
            log.error("watches: %s", run.unreadable)
            watches = [w for w in watches if not needs_taxonomy(w.filters)]
        for watch in watches:
            period_end = digest_period(watch.every, now) if due else now
            build_digest(store, settings, watch, period_end, identity.domain, run)
            check_spikes(store, settings, store.watch(watch.name) or watch, now, identity.domain, run)
        run.recovered = store.recover_watch_mail()
        if run.recovered:
            log.warning("watches: %d mail(s) settled as sent after an interrupted run", run.recovered)
        _send(store, settings, identity, SmtpSession(server), watch_ids, run)
    return run


def _send(
    store: WatchStore,
    settings: Settings,
    identity: MailIdentity,
    session: SmtpSession,
    watch_ids: list[int],
    run: WatchRun,
) -> None:
    try:
        with store.watch_mail_session() as out:
            for mail in store.due_watch_mail(datetime.now(UTC), watch_ids):
                if not out.still_queued(mail.id):
                    continue
                attempt = secrets.token_hex(8)
                data = _message(identity, mail)
                try:
                    outcome = session.transaction(
                        identity.envelope_from,
                        mail.recipient,
                        data,
                        lambda m=mail, a=attempt: out.mark_data_sent(m.id, a),  # type: ignore[misc]
                    )
                except SmtpUnavailable as exc:
                    if isinstance(exc, EndNotSent):  # marked, but the dot never left: back to the queue
                        out.finish(
                            mail.id, attempt, status=OutboxStatus.QUEUED, code=None, response=str(exc),
                            counts_as_attempt=False,
                        )  # fmt: skip
                    log.warning("watches: %s; the mail stays queued for the next run", exc)
                    run.waiting += 1
                    continue
                _record(out, mail, attempt, outcome, settings, run)
    finally:
        session.close()


def _message(identity: MailIdentity, mail: WatchMail) -> bytes:
    data = build_message(
        sender=identity.from_header,
        to=mail.recipient,
        subject=mail.subject,
        message_id=mail.message_id,
        date=mail.created_at,
        language=mail.language,
        text=mail.body_text,
        html=mail.body_html,
        lists=None,  # internal mail: the text says how to change or remove the watch
        reply_to=identity.reply_to,
    )
    return identity.dkim.sign(data) if identity.dkim else data


def _record(
    out: WatchMailSession, mail: WatchMail, attempt: str, outcome: Outcome, settings: Settings, run: WatchRun
) -> None:
    response = f"{outcome.stage}: {outcome.text}".strip()
    if outcome.kind in ("sent", "unknown"):
        # "unknown": the dot went out and no reply came: counted as delivered, not confirmed (no resend)
        out.finish(
            mail.id, attempt, status=OutboxStatus.SENT, code=outcome.code, response=response,
            confirmed=outcome.kind == "sent",
        )  # fmt: skip
        run.sent += 1
    elif outcome.kind == "failed" or mail.attempts + 1 >= settings.send_max_attempts:
        out.finish(mail.id, attempt, status=OutboxStatus.FAILED, code=outcome.code, response=response)
        run.failed += 1
    else:
        wait = retry_delay(mail.attempts + 1, settings.send_retry_base)
        out.finish(
            mail.id, attempt, status=OutboxStatus.QUEUED, code=outcome.code, response=response,
            next_attempt_at=datetime.now(UTC) + timedelta(seconds=wait),
        )  # fmt: skip
        run.waiting += 1
