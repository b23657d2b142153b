"""`mediawatch nightly`: collect -> classify -> compose the due drafts -> render them -> tell the editors
-> send the scheduled issues whose time has come (`mediawatch send --due`) -> the saved watches' digests
and spike alerts (`mediawatch watches run --due`).

Every step keeps its state in the database as it goes, so a run killed at any instant (reboot, kill -9,
OOM) is completed by the next one, and a repeated run does nothing twice:

* collect commits feed by feed and page by page (the collector's own guarantee); pending pages are
  fetched by the next run. With a broker (``[cluster] broker_url``) the run is enqueued for the workers
  and waited for, at most ``nightly_collect_wait_seconds``: then the other stages go on with what was
  collected so far, and the workers with the run (the next collect waits until they close it);
* classification and story grouping pick up whatever is not classified or grouped yet;
* a draft is one transaction (``Store.create_issue``): it exists whole or not at all, and a period that
  already has its draft is never composed again (the same period is due until the next boundary);
* rendering writes each file atomically and is simply redone for a draft not yet announced;
* the editors' email is recorded per editor once the SMTP server accepted it (``nightly/notify.py``): a
  refused address is retried by the next run, alone; a draft counts as announced once every editor has it;
* scheduled issues are sent by :func:`mediawatch.deliver.send.send_due`, exactly once (its outbox), when
  their time has come by the real clock, whatever ``--at`` says.

The run holds the collection lock for its whole length (a plain ``mediawatch collect`` and another
nightly wait their turn: exit code 3), and is recorded in the ``runs`` table; a run found still
"running" under the lock was killed, and is marked interrupted (with a broker, a collect run only once
the broker says it is not open: the workers may still be doing it).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from mediawatch.config import Settings
from mediawatch.errors import (
    ConfigError,
    LockedError,
    MediawatchError,
    NothingToCompose,
    RenderError,
    StorageError,
)
from mediawatch.nightly.cadence import due_period, parse_cadence, parse_timezone
from mediawatch.nightly.logs import EventLog
from mediawatch.nightly.notify import (
    DraftNews,
    RunNews,
    SourceNews,
    editor_message,
    editors,
    editors_language,
    send_to_editors,
)
from mediawatch.store import Store
from mediawatch.types import Issue, IssueState, Publication, Source

if TYPE_CHECKING:
    from mediawatch.collect.report import CollectReport

EXIT_OK = 0
EXIT_ERROR = 1  # a stage failed (classify, compose, render, notify); the others still ran
EXIT_LOCKED = LockedError.exit_code  # another collect or nightly run holds the lock; nothing was done
EXIT_SOURCES_FAILED = 4  # some sources failed; everything else went well
# nothing could be done: database unusable, no source, or every source failed (the storage error's code)
EXIT_NOTHING = StorageError.exit_code

ACTOR = "nightly"  # created_by of the drafts, actor in the audit log
ANNOUNCED = "nightly.announced"  # audit action: every editor was told about this draft
ANNOUNCED_TO = "nightly.announced_to"  # audit action, target = the editor: this one was told
RUN_KIND = "nightly"
ANNOUNCE_STATES = frozenset({IssueState.DRAFT, IssueState.IN_REVIEW})

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NightlyResult:
    exit_code: int
    run_id: int
    started: datetime
    finished: datetime
    resumed_after: tuple[int, ...]  # ids of earlier runs found interrupted
    sources_total: int
    sources_failed: tuple[str, ...]  # enabled sources failing now (in back-off included)
    new_articles: int
    classified: int
    relevant: int
    stories: int  # stories that got a new article
    composed: tuple[str, ...]  # slugs of the drafts composed by this run
    already_composed: tuple[str, ...]  # due periods whose draft existed
    rendered: tuple[str, ...]
    announced: tuple[str, ...]
    notified: tuple[str, ...]  # recipients of the editors' email
    errors: tuple[str, ...]  # "stage: what went wrong"
    sent: tuple[str, ...] = ()  # scheduled issues this run sent
    # with a broker: the collect run the workers were still doing when the wait ran out
    collect_still_running: int | None = None

    def summary_line(self) -> str:
        """One key=value line for cron mail and scripts (never translated)."""
        still = self.collect_still_running
        return (
            f"nightly exit={self.exit_code} run={self.run_id} sources={self.sources_total} "
            f"failed={len(self.sources_failed)} new_articles={self.new_articles} "
            f"classified={self.classified} "
            f"relevant={self.relevant} composed={','.join(self.composed) or '-'} "
            f"already_composed={','.join(self.already_composed) or '-'} "
            f"announced={','.join(self.announced) or '-'} notified={len(self.notified)} "
            f"sent={','.join(self.sent) or '-'} "
            f"errors={len(self.errors)} duration_s={(self.finished - self.started).total_seconds():.1f}"
            + (f" collect_still_running={still}" if still is not None else "")
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started"] = self.started.isoformat()
        data["finished"] = self.finished.isoformat()
        return data


@dataclass
class _State:
    """What the stages found, filled as they go."""

    sources_total: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # this run's failed fetches
    failing: list[str] = field(default_factory=list)  # enabled sources failing now (back-off included)
    collect_failed: bool = False  # the registry could not be read, or has no enabled source
    collect_open: int | None = None  # with a broker: the collect run still with the workers after the wait
    new_articles: int = 0
    classified: int = 0
    relevant: int = 0
    stories: int = 0
    composed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    announced: list[str] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    notified_problems: dict[str, list[str]] = field(default_factory=dict)  # per editor told this run
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    storage_lost: bool = False


class NightlyRun:
    """One run; :func:`run_nightly` is the entry point."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        log: EventLog,
        *,
        now: datetime,
        ui_lang: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))  # sending goes by the real time, not --at
        self.store = store
        self.settings = settings
        self.log = log
        self.now = now
        self.ui_lang = ui_lang
        self.state = _State()
        self.resumed = False  # an earlier nightly run was found interrupted

    # -- plumbing ---------------------------------------------------------------------------------
    def _stage(self, name: str, step: Callable[[], T]) -> T | None:
        """Run a stage; a failure is logged and recorded, and the run goes on (StorageError stops it,
        except LockedError: a lock or run held by another process is that stage's failure alone)."""
        if self.state.storage_lost:
            return None
        try:
            return step()
        except LockedError as exc:  # held by another run (a collect run still open on the broker): not lost
            self.state.errors.append(f"{name}: {exc}")
            self.log.error(f"{name}.failed", error=str(exc), kind=type(exc).__name__)
        except StorageError as exc:
            self.state.storage_lost = True
            self.state.errors.append(f"{name}: {exc}")
            self.log.error(f"{name}.failed", error=str(exc), kind="storage")
        except MediawatchError as exc:
            self.state.errors.append(f"{name}: {exc}")
            self.log.error(f"{name}.failed", error=str(exc), kind=type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - a bug in one stage must not stop the others; it is logged
            self.state.errors.append(f"{name}: unexpected {type(exc).__name__}: {exc}")
            self.log.error(f"{name}.failed", exc=True, error=str(exc), kind=type(exc).__name__)
        return None

    # -- stages -----------------------------------------------------------------------------------
    def collect(self, *, force: bool) -> None:
        from mediawatch.collect.pipeline import Collector
        from mediawatch.sources.registry import load_registry

        s = self.state
        try:
            sources = load_registry(self.settings.feeds_dir)
        except MediawatchError:
            s.collect_failed = True
            raise
        s.sources_total = sum(1 for x in sources if x.enabled)
        if not s.sources_total:
            s.collect_failed = True
            raise ConfigError(f"no enabled source in the registry {self.settings.feeds_dir!r}")
        self.log.info("collect.start", sources=s.sources_total)
        report: CollectReport | None
        if self.settings.broker_url:
            report = self._collect_on_workers(sources, force=force)
            if report is None:
                return
        else:
            run_id = self.store.start_run("collect")
            try:
                report = asyncio.run(Collector(self.store, self.settings).run(sources, force=force))
            except BaseException:
                summary: dict[str, object] = {"error": "the collection stopped; see the nightly log"}
                self.store.finish_run(run_id, "failed", summary)
                s.collect_failed = True
                raise
            self.store.finish_run(run_id, "failed-sources" if report.failed else "ok", report.as_dict())
        s.failures, s.new_articles = report.failures, report.new_articles
        for source_id, status, detail in report.failures:
            self.log.warning("source.failed", source=source_id, status=status, detail=detail[:500])
        self.log.info("collect.done", **{k: v for k, v in report.as_dict().items() if k != "failures"})

    def _collect_on_workers(self, sources: list[Source], *, force: bool) -> CollectReport | None:
        """With a broker: enqueue the collect run for `mediawatch worker` processes, under the lock this
        run holds, and wait for its report; None when ``nightly_collect_wait_seconds`` run out first
        (logged; the workers go on with the run, the other stages with what was collected so far)."""
        from mediawatch.cluster.broker import connect
        from mediawatch.cluster.runs import IDLE_AFTER_S, enqueue_locked, run_meta, wait_for_run

        wait = self.settings.nightly_collect_wait_seconds
        if wait < 0:
            raise ConfigError(f"nightly_collect_wait_seconds must be 0 or more, got {wait:g}")
        cluster = connect(self.settings)
        try:
            run_id = enqueue_locked(cluster, self.store, sources, self.settings, force=force)
            for old in run_meta(cluster, run_id).get("interrupted_runs", []):
                self.log.warning("run.interrupted", id=old, kind="collect")
            self.log.info("collect.enqueued", collect_run=run_id, wait_s=wait)

            def idle(run: int) -> None:  # once: no task of the run done for a while
                self.log.warning("collect.no_worker", collect_run=run, idle_s=IDLE_AFTER_S)

            report = wait_for_run(self.store, run_id, cluster=cluster, on_idle=idle, timeout=wait)
        finally:
            cluster.broker.close()
            cluster.redis.close()
        if report is None:
            self.state.collect_open = run_id
            self.log.warning("collect.still_running", collect_run=run_id, waited_s=wait)
        return report

    def health(self) -> None:
        """Sources failing now: this run's failures and those still in back-off from earlier runs."""
        rows = self.store.source_health(datetime.now(UTC), self.settings.stale_days, events=False)
        enabled = [h for h in rows if h.enabled]
        self.state.failing = [h.source_id for h in enabled if h.consecutive_failures]
        self.state.sources_total = self.state.sources_total or len(enabled)
        if enabled and len(self.state.failing) == len(enabled):
            self.state.collect_failed = True  # every source fails: nothing new can come in
        self.log.info("sources.health", enabled=len(enabled), failing=self.state.failing)

    def submissions(self) -> None:
        """Correspondents' items a crash left unsettled (stored, article never made): made now."""
        from mediawatch.watch.submissions import resume_received

        done = resume_received(self.store, self.settings, lang=self.ui_lang, now=self.clock)
        if done:
            self.log.info("submissions.resumed", items=[s.id for s in done])

    def classify(self) -> None:
        from mediawatch.classify.grouping import group_stories
        from mediawatch.classify.pipeline import classify_stored, load_classifier

        report = classify_stored(self.store, load_classifier(self.settings))
        self.state.classified, self.state.relevant = report.classified, report.relevant
        self.log.info(
            "classify.done", classified=report.classified, relevant=report.relevant, version=report.version
        )
        grouping = group_stories(self.store, self.settings)
        self.state.stories = grouping.stories_touched
        self.log.info("stories.done", grouped=grouping.grouped, stories_touched=grouping.stories_touched)

    def compose(self) -> None:
        """Compose each publication's due draft unless that period already has one (in any state)."""
        plans = (
            (Publication.PRESS_REVIEW, "nightly_press_review", self.settings.nightly_press_review),
            (Publication.NEWSLETTER, "nightly_newsletter", self.settings.nightly_newsletter),
        )
        for publication, setting, text in plans:
            self._stage("compose", functools.partial(self._compose_one, publication, setting, text))

    def _compose_one(self, publication: Publication, setting: str, cadence_text: str) -> None:
        from mediawatch.compose import compose_issue

        period = due_period(
            parse_cadence(cadence_text, setting), self.now, parse_timezone(self.settings.nightly_timezone)
        )
        if period is None:
            return
        fields = {"publication": publication.value, "period_from": period.start, "period_to": period.end}
        existing = _issue_for(self.store.list_issues(), publication, period.start, period.end)
        if existing is not None:
            self.state.already.append(existing.slug)
            self.log.info("compose.already_done", slug=existing.slug, state=existing.state.value, **fields)
            return
        try:
            result = compose_issue(
                self.store,
                self.settings,
                publication,
                period_from=period.start,
                period_to=period.end,
                actor=ACTOR,
            )
        except NothingToCompose as exc:  # no empty draft: the period is composed on a later run, if ever
            self.log.info("compose.nothing", reason=str(exc), already_told=exc.already_told, **fields)
            return
        self.state.composed.append(result.slug)
        self.log.info(
            "compose.done", slug=result.slug, items=result.items, warnings=list(result.warnings), **fields
        )

    def drafts_to_announce(self) -> list[Issue]:
        """Drafts this job composed that editors were not told about yet (this run's and any earlier)."""
        found = []
        for issue in self.store.list_issues():
            if issue.created_by != ACTOR or issue.state not in ANNOUNCE_STATES:
                continue
            if any(entry.action == ANNOUNCED for entry in self.store.audit(issue.id)):
                continue
            found.append(issue)
        return sorted(found, key=lambda i: (i.period_to, i.id))

    def render(self, drafts: list[Issue]) -> None:
        from mediawatch.render import render_issue
        from mediawatch.render.archive import drafts_dir

        out = drafts_dir(self.settings)  # never the public archive: these are drafts
        for issue in drafts:
            try:
                written = render_issue(self.store, issue.id, self.settings, out)
            except RenderError as exc:  # a content problem the editors fix in review: say it, go on
                self.state.warnings.append(f"{issue.slug}: {exc}")
                self.log.warning("render.refused", slug=issue.slug, error=str(exc))
                continue
            self.state.rendered.append(issue.slug)
            pages = [str(p) for p in written if p.suffix == ".html" and p.parent.name == issue.slug]
            self.log.info("render.done", slug=issue.slug, files=pages)

    def notify(self, drafts: list[Issue]) -> None:
        """Tell each editor what they were not told yet: the drafts they lack and source problems new
        to them. Recorded per editor as soon as the server took their email, so an editor whose
        address is refused is retried alone by the next run, and the others are not written to again."""
        recipients = editors(self.settings)
        if not recipients:
            self.log.warning("notify.skipped", reason="nightly_editors is empty")
            return
        news = self._news(drafts)
        problems = _problem_keys(news)
        plan: dict[str, list[Issue]] = {}
        for rcpt in recipients:
            lacking = [d for d in drafts if rcpt not in self._told(d)]
            if lacking or set(problems) - set(self._last_notified_problems(rcpt)):
                plan[rcpt] = lacking
        if not plan:
            self.log.info("notify.nothing_new", failing=len(news.failing), stale=len(news.stale))
            return
        if not self.settings.smtp_url:
            self.log.warning("notify.skipped", reason="smtp_url is not set")
            return
        lang = editors_language(self.settings, self.ui_lang)
        messages = []
        for rcpt, lacking in plan.items():
            ids = {d.id for d in lacking}
            own = replace(news, drafts=tuple(d for d in news.drafts if d.issue_id in ids))
            messages.append((rcpt, editor_message(own, self.settings, lang, [rcpt])))
        subjects = {rcpt: str(message["Subject"]) for rcpt, message in messages}

        def delivered(rcpt: str) -> None:
            for issue in plan[rcpt]:
                self.store.log_event(issue.id, ACTOR, ANNOUNCED_TO, target=rcpt)
            self.state.notified.append(rcpt)
            self.state.notified_problems[rcpt] = problems
            self.log.info(
                "notify.sent",
                to=[rcpt],
                lang=lang,
                drafts=[d.slug for d in plan[rcpt]],
                subject=subjects[rcpt],
            )

        try:
            send_to_editors(self.settings, messages, delivered)
        finally:
            for issue in drafts:  # announced once every editor has it
                if all(rcpt in self._told(issue) for rcpt in recipients):
                    self.store.log_event(issue.id, ACTOR, ANNOUNCED, detail=", ".join(recipients))
                    self.state.announced.append(issue.slug)

    def send_due(self) -> None:
        """`mediawatch send --due`: each scheduled issue whose time has come, once."""
        from mediawatch.deliver.send import send_due

        for r in send_due(self.store, self.settings, actor=ACTOR, lang=self.ui_lang, clock=self.clock):
            if r.outcome == "sent":
                self.state.sent.append(r.slug)
                total = r.report.counts.total if r.report else 0
                self.log.info("send.done", slug=r.slug, messages=total)
            elif r.outcome == "busy":
                self.log.info("send.busy", slug=r.slug)
            else:
                self.state.errors.append(f"send: {r.slug}: {r.outcome}: {r.detail}")
                self.log.error("send.failed", slug=r.slug, outcome=r.outcome, error=r.detail)

    def watches(self) -> None:
        """`mediawatch watches run --due`: the saved watches' digests and spike alerts, each sent once."""
        if not self.store.list_watches():
            return  # no watch, no need of an SMTP server
        from mediawatch.deliver.watch_mail import run_watches

        run = run_watches(self.store, self.settings, due=True, clock=self.clock)
        self.log.info(
            "watches.done", digests=run.digests, empty=run.empty, spikes=run.spikes, sent=run.sent,
            failed=run.failed, waiting=run.waiting, recovered=run.recovered,
        )  # fmt: skip
        for name in dict.fromkeys(run.no_address):
            self.state.warnings.append(f"watches: {name}: no address to send to")
            self.log.warning("watches.no_address", watch=name)

    # -- helpers ----------------------------------------------------------------------------------
    def _news(self, drafts: list[Issue]) -> RunNews:
        failing, stale = [], []
        stale_after = self.settings.stale_days
        for h in self.store.source_health(datetime.now(UTC), stale_after, events=True):
            if not h.enabled:
                continue
            detail = h.events[0].detail if h.events else ""
            news = SourceNews(
                h.source_id,
                h.name,
                h.last_status.value if h.last_status else "",
                detail,
                h.consecutive_failures,
                h.stale_days,
            )
            if h.consecutive_failures:
                failing.append(news)
            elif h.stale_days is not None and h.stale_days >= stale_after:
                stale.append(news)
        items = {}
        for issue in drafts:
            items[issue.id] = len(self.store.issue_content(issue.id).visible_items())
        return RunNews(
            at=self.now,
            drafts=tuple(
                DraftNews(i.id, i.slug, i.publication, i.period_from, i.period_to, items[i.id], i.warnings)
                for i in drafts
            ),
            new_articles=self.state.new_articles,
            relevant=self.state.relevant,
            stories=self.state.stories,
            failing=tuple(failing),
            stale=tuple(stale),
            stale_after_days=stale_after,
            previous_interrupted=self.resumed,
            problems=tuple(self.state.errors + self.state.warnings),
            collect_still_running=self.state.collect_open,
        )

    def _told(self, issue: Issue) -> set[str]:
        """The editors who got the email announcing this draft."""
        return {e.target for e in self.store.audit(issue.id) if e.action == ANNOUNCED_TO}

    def _last_notified_problems(self, rcpt: str) -> list[str]:
        """The source problems this editor was last told about (from the runs' summaries)."""
        for run in self.store.recent_runs(RUN_KIND, limit=50):
            by_editor = run.summary.get("notified_problems_by_editor")
            if isinstance(by_editor, dict) and isinstance(by_editor.get(rcpt), list):
                return [str(p) for p in by_editor[rcpt]]
            problems = run.summary.get("notified_problems")  # before per-editor records: everyone
            if isinstance(problems, list) and rcpt in (run.summary.get("notified") or []):
                return [str(p) for p in problems]
        return []


def _issue_for(issues: list[Issue], publication: Publication, start: datetime, end: datetime) -> Issue | None:
    for issue in issues:
        if issue.publication is publication and issue.period_from == start and issue.period_to == end:
            return issue
    return None


def _problem_keys(news: RunNews) -> list[str]:
    return sorted(
        [f"{s.source_id}:failing" for s in news.failing] + [f"{s.source_id}:stale" for s in news.stale]
    )


def _exit_code(state: _State, collected: bool) -> int:
    if state.storage_lost or (collected and state.collect_failed):
        return EXIT_NOTHING
    if state.errors:
        return EXIT_ERROR
    if state.failing:
        return EXIT_SOURCES_FAILED
    return EXIT_OK


def run_nightly(
    store: Store,
    settings: Settings,
    *,
    log: EventLog | None = None,
    now: datetime | None = None,
    ui_lang: str = "en",
    collect: bool = True,
    notify: bool = True,
    force: bool = False,
    send: bool = True,
    clock: Callable[[], datetime] | None = None,
) -> NightlyResult:
    """One nightly run under the collection lock (LockedError when another run holds it)."""
    log = log or EventLog(logging.getLogger("mediawatch.nightly"))
    with store.run_lock("collect"):
        started = datetime.now(UTC)
        # With a broker, a collect run still "running" may be with the workers: the enqueueing asks the
        # broker before marking it interrupted (and refuses to start another while it is open).
        kinds = [RUN_KIND] if settings.broker_url else [RUN_KIND, "collect"]
        interrupted = store.mark_interrupted_runs(kinds)
        run_id = store.start_run(RUN_KIND)
        log = log.bind(run=run_id)
        job = NightlyRun(store, settings, log, now=now or started, ui_lang=ui_lang, clock=clock)
        job.resumed = any(r.kind == RUN_KIND for r in interrupted)
        log.info(
            "nightly.start",
            at=job.now,
            resumed_after=[r.id for r in interrupted],
            press_review=settings.nightly_press_review,
            newsletter=settings.nightly_newsletter,
        )
        for r in interrupted:
            log.warning("run.interrupted", id=r.id, kind=r.kind, started=r.started)
        if collect:
            job._stage("collect", lambda: job.collect(force=force))
        job._stage("health", job.health)
        job._stage("submissions", job.submissions)
        job._stage("classify", job.classify)
        job._stage("compose", job.compose)
        drafts = job._stage("drafts", job.drafts_to_announce) or []
        if drafts:
            job._stage("render", lambda: job.render(drafts))
        if notify:
            job._stage("notify", lambda: job.notify(drafts))
        if send:
            job._stage("send", job.send_due)
            job._stage("watches", job.watches)
        s = job.state
        result = NightlyResult(
            exit_code=_exit_code(s, collect),
            run_id=run_id,
            started=started,
            finished=datetime.now(UTC),
            resumed_after=tuple(r.id for r in interrupted),
            sources_total=s.sources_total,
            sources_failed=tuple(s.failing),
            new_articles=s.new_articles,
            classified=s.classified,
            relevant=s.relevant,
            stories=s.stories,
            composed=tuple(s.composed),
            already_composed=tuple(s.already),
            rendered=tuple(s.rendered),
            announced=tuple(s.announced),
            notified=tuple(s.notified),
            errors=tuple(s.errors),
            sent=tuple(s.sent),
            collect_still_running=s.collect_open,
        )
        summary = result.as_dict()
        if s.notified_problems:
            # the editors not told this run keep what an earlier run recorded for them
            summary["notified_problems_by_editor"] = s.notified_problems
        status = {EXIT_OK: "ok", EXIT_SOURCES_FAILED: "failed-sources", EXIT_ERROR: "errors"}.get(
            result.exit_code, "nothing-done"
        )
        try:
            store.finish_run(run_id, status, summary)
        except StorageError as exc:
            log.error("nightly.unrecorded", error=str(exc))
        log.info("nightly.done", exit_code=result.exit_code, status=status, errors=list(s.errors))
        return result
