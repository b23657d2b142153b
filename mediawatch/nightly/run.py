"""`mediawatch nightly`: learn (retrain the relevance model, when due) -> collect -> classify -> compose the
due drafts -> render them -> tell the editors -> send the scheduled issues whose time has come (`mediawatch
send --due`) -> the saved watches' digests and spike alerts (`mediawatch watches run --due`).

Every step keeps its state in the database as it goes, so a run killed at any instant (reboot, kill -9,
OOM) is completed by the next one, and a repeated run does nothing twice:

* the learned relevance model is retrained (``mediawatch retrain``) once the editors made
  ``nightly_retrain_after`` decisions since it last learnt, before collecting, so that the night's
  classification uses it (with a broker, the workers' too); the model file is replaced by a rename, so a
  kill leaves the old model, and the next run retrains;
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

Here is the order of the stages; each lives with what it holds: the stage runner in ``job.py``, the
collect stage (local or on the cluster) in ``collecting.py``, the library's other stages in ``stages.py``,
who was told what in ``announce.py``, the exit code and result in ``outcome.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from mediawatch.config import Settings
from mediawatch.errors import InvalidInput, StorageError
from mediawatch.i18n import Message
from mediawatch.nightly import announce, collecting, stages
from mediawatch.nightly.cadence import parse_cadence, parse_timezone
from mediawatch.nightly.job import RUN_KIND, NightlyRun
from mediawatch.nightly.logs import EventLog
from mediawatch.nightly.notify import editors, editors_language
from mediawatch.nightly.outcome import EXIT_ERROR, EXIT_OK, EXIT_SOURCES_FAILED, NightlyResult, exit_code
from mediawatch.store import Store


def check_settings(settings: Settings, ui_lang: str = "en") -> None:
    """Read every setting of the run before any stage runs: a malformed one is a ConfigError naming it
    (exit 2, nothing done), rather than a stage failing after the others ran (exit 1)."""
    parse_cadence(settings.nightly_press_review, "nightly_press_review")
    parse_cadence(settings.nightly_newsletter, "nightly_newsletter")
    parse_timezone(settings.nightly_timezone)
    if settings.nightly_retrain_after < 0:
        raise InvalidInput(Message("nightly.setting.bad_retrain_after", value=settings.nightly_retrain_after))
    if settings.nightly_collect_wait_seconds < 0:
        wait = f"{settings.nightly_collect_wait_seconds:g}"
        raise InvalidInput(Message("nightly.setting.bad_collect_wait", value=wait))
    editors(settings)
    editors_language(settings, ui_lang)


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
    """One nightly run under the collection lock (LockedError when another run holds it; ConfigError,
    before anything is done, for a malformed setting)."""
    check_settings(settings, ui_lang)
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
        # learn before collect: with a broker the workers classify while they collect, and they take up
        # a replaced model file at their next task, so tonight's articles get the new model either way
        job.stage("learn", lambda: stages.learn(job))
        if collect:
            job.stage("collect", lambda: collecting.collect(job, force=force))
        else:
            job.stage("registry", lambda: collecting.mirror_registry(job))
        job.stage("health", lambda: collecting.health(job))
        job.stage("submissions", lambda: stages.submissions(job))
        job.stage("classify", lambda: stages.classify(job))
        job.stage("compose", lambda: stages.compose(job))
        drafts = job.stage("drafts", lambda: announce.drafts_to_announce(job)) or []
        if drafts:
            job.stage("render", lambda: stages.render(job, drafts))
        if notify:
            job.stage("notify", lambda: announce.notify(job, drafts))
        if send:
            job.stage("send", lambda: stages.send_due(job))
            job.stage("watches", lambda: stages.watches(job))
        s = job.state
        result = NightlyResult(
            exit_code=exit_code(s, collect),
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
            errors=tuple(p.english for p in s.errors),
            sent=tuple(s.sent),
            collect_still_running=s.collect_open,
            retrained=s.retrained is not None,
            retrain_decisions=s.retrained[0] if s.retrained else 0,
            problems=tuple(s.errors),
            notes=tuple(s.notes),
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
        log.info("nightly.done", exit_code=result.exit_code, status=status, errors=list(result.errors))
        return result
