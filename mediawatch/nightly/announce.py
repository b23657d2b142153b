"""Who was told what: the drafts the editors still lack, and the per-editor record that makes the
editors' email (``nightly/notify.py``) go only to those who lack something, once the server took it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from mediawatch.nightly.job import ACTOR, RUN_KIND, NightlyRun
from mediawatch.nightly.notify import (
    DraftNews,
    RunNews,
    SourceNews,
    editor_message,
    editors,
    editors_language,
    send_to_editors,
)
from mediawatch.types import Issue, IssueState

ANNOUNCED = "nightly.announced"  # audit action: every editor was told about this draft
ANNOUNCED_TO = "nightly.announced_to"  # audit action, target = the editor: this one was told
ANNOUNCE_STATES = frozenset({IssueState.DRAFT, IssueState.IN_REVIEW})


def drafts_to_announce(job: NightlyRun) -> list[Issue]:
    """Drafts this job composed that editors were not told about yet (this run's and any earlier)."""
    found = []
    for issue in job.store.list_issues():
        if issue.created_by != ACTOR or issue.state not in ANNOUNCE_STATES:
            continue
        if any(entry.action == ANNOUNCED for entry in job.store.audit(issue.id)):
            continue
        found.append(issue)
    return sorted(found, key=lambda i: (i.period_to, i.id))


def notify(job: NightlyRun, drafts: list[Issue]) -> None:
    """Tell each editor what they were not told yet: the drafts they lack and source problems new
    to them. Recorded per editor as soon as the server took their email, so an editor whose
    address is refused is retried alone by the next run, and the others are not written to again."""
    recipients = editors(job.settings)
    if not recipients:
        job.log.warning("notify.skipped", reason="nightly_editors is empty")
        return
    news = _news(job, drafts)
    problems = _problem_keys(news)
    plan: dict[str, list[Issue]] = {}
    for rcpt in recipients:
        lacking = [d for d in drafts if rcpt not in _told(job, d)]
        if lacking or set(problems) - set(_last_notified_problems(job, rcpt)):
            plan[rcpt] = lacking
    if not plan:
        job.log.info("notify.nothing_new", failing=len(news.failing), stale=len(news.stale))
        return
    if not job.settings.smtp_url:
        job.log.warning("notify.skipped", reason="smtp_url is not set")
        return
    lang = editors_language(job.settings, job.ui_lang)
    messages = []
    for rcpt, lacking in plan.items():
        ids = {d.id for d in lacking}
        own = replace(news, drafts=tuple(d for d in news.drafts if d.issue_id in ids))
        messages.append((rcpt, editor_message(own, job.settings, lang, [rcpt])))
    subjects = {rcpt: str(message["Subject"]) for rcpt, message in messages}

    def delivered(rcpt: str) -> None:
        for issue in plan[rcpt]:
            job.store.log_event(issue.id, ACTOR, ANNOUNCED_TO, target=rcpt)
        job.state.notified.append(rcpt)
        job.state.notified_problems[rcpt] = problems
        job.log.info(
            "notify.sent",
            to=[rcpt],
            lang=lang,
            drafts=[d.slug for d in plan[rcpt]],
            subject=subjects[rcpt],
        )

    try:
        send_to_editors(job.settings, messages, delivered)
    finally:
        for issue in drafts:  # announced once every editor has it
            if all(rcpt in _told(job, issue) for rcpt in recipients):
                job.store.log_event(issue.id, ACTOR, ANNOUNCED, detail=", ".join(recipients))
                job.state.announced.append(issue.slug)


def _news(job: NightlyRun, drafts: list[Issue]) -> RunNews:
    failing, stale = [], []
    stale_after = job.settings.stale_days
    for h in job.store.source_health(datetime.now(UTC), stale_after, events=True):
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
        items[issue.id] = len(job.store.issue_content(issue.id).visible_items())
    return RunNews(
        at=job.now,
        drafts=tuple(
            DraftNews(i.id, i.slug, i.publication, i.period_from, i.period_to, items[i.id], i.warnings)
            for i in drafts
        ),
        new_articles=job.state.new_articles,
        relevant=job.state.relevant,
        stories=job.state.stories,
        failing=tuple(failing),
        stale=tuple(stale),
        stale_after_days=stale_after,
        previous_interrupted=job.resumed,
        problems=tuple(job.state.errors + job.state.warnings),
        collect_still_running=job.state.collect_open,
        retrained=job.state.retrained,
    )


def _problem_keys(news: RunNews) -> list[str]:
    return sorted(
        [f"{s.source_id}:failing" for s in news.failing] + [f"{s.source_id}:stale" for s in news.stale]
    )


def _told(job: NightlyRun, issue: Issue) -> set[str]:
    """The editors who got the email announcing this draft."""
    return {e.target for e in job.store.audit(issue.id) if e.action == ANNOUNCED_TO}


def _last_notified_problems(job: NightlyRun, rcpt: str) -> list[str]:
    """The source problems this editor was last told about (from the runs' summaries)."""
    for run in job.store.recent_runs(RUN_KIND, limit=50):
        by_editor = run.summary.get("notified_problems_by_editor")
        if isinstance(by_editor, dict) and isinstance(by_editor.get(rcpt), list):
            return [str(p) for p in by_editor[rcpt]]
        problems = run.summary.get("notified_problems")  # before per-editor records: everyone
        if isinstance(problems, list) and rcpt in (run.summary.get("notified") or []):
            return [str(p) for p in problems]
    return []
