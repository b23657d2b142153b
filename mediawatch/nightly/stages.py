"""The library's stages as the nightly run calls them, each recording in the run's state what it did:
correspondents' items a crash left unsettled, retrain the relevance model when enough new decisions exist,
classify and group, compose the due drafts, render them, send the issues whose time has come, the saved
watches."""

from __future__ import annotations

import functools

from mediawatch.errors import InvalidInput, NothingToCompose, RenderError
from mediawatch.i18n import DEFAULT_LANGUAGE, Joined, Message
from mediawatch.i18n.dates import HalfOpen
from mediawatch.i18n.publications import publication_label
from mediawatch.nightly.cadence import due_period, parse_cadence, parse_timezone
from mediawatch.nightly.job import ACTOR, NightlyRun
from mediawatch.nightly.outcome import problem, stage_problem
from mediawatch.types import Issue, Publication


def submissions(job: NightlyRun) -> None:
    """Correspondents' items a crash left unsettled (stored, article never made): made now."""
    from mediawatch.watch.submissions import resume_received

    done = resume_received(job.store, job.settings, lang=job.ui_lang, now=job.clock)
    if done:
        job.log.info("submissions.resumed", items=[s.id for s in done])


def retrain_due(decisions: int, learnt: int, after: int) -> bool:
    """Whether to retrain: the editors have ``decisions`` now, the model in use learnt from ``learnt`` of
    them, and ``after`` new ones are enough (0: never)."""
    return after > 0 and decisions - learnt >= after


def learn(job: NightlyRun) -> None:
    """`mediawatch retrain` (decisions plus the labelled files), once the editors made
    ``nightly_retrain_after`` decisions since the database's model learnt. It runs before collect, so that
    the night's classification uses the new model: the classify stage's, and with a broker the workers',
    who classify as they collect. When it cannot train (decisions of one kind only, no labelled file), the
    stage fails, and the run goes on with the model it had; the next run tries again."""
    from mediawatch.classify.pipeline import decisions_learnt, labelled_files, retrain

    after = job.settings.nightly_retrain_after
    if after < 0:
        raise InvalidInput(Message("nightly.setting.bad_retrain_after", value=after))
    if after == 0:
        job.log.info("learn.skipped", reason="nightly_retrain_after is 0")
        return
    # the latest verdict on each article decided: what retrain learns from (a changed verdict is not new)
    decisions = len(job.store.decisions())
    learnt = decisions_learnt(job.settings)
    if not retrain_due(decisions, learnt, after):
        job.log.info("learn.skipped", decisions=decisions, learnt=learnt, threshold=after)
        return
    report = retrain(job.store, job.settings, labelled_files())
    job.state.retrained = (report.decisions, report.gold)
    job.log.info(
        "learn.done",
        decisions=report.decisions,
        new=decisions - learnt,
        gold=report.gold,
        path=str(report.path),
    )


def classify(job: NightlyRun) -> None:
    from mediawatch.classify.grouping import group_stories
    from mediawatch.classify.pipeline import classify_stored, load_classifier

    report = classify_stored(job.store, load_classifier(job.settings))
    job.state.classified, job.state.relevant = report.classified, report.relevant
    job.log.info(
        "classify.done", classified=report.classified, relevant=report.relevant, version=report.version
    )
    grouping = group_stories(job.store, job.settings)
    job.state.stories = grouping.stories_touched
    job.log.info("stories.done", grouped=grouping.grouped, stories_touched=grouping.stories_touched)


def compose(job: NightlyRun) -> None:
    """Compose each publication's due draft unless that period already has one (in any state)."""
    plans = (
        (Publication.PRESS_REVIEW, "nightly_press_review", job.settings.nightly_press_review),
        (Publication.NEWSLETTER, "nightly_newsletter", job.settings.nightly_newsletter),
    )
    for publication, setting, text in plans:
        job.stage("compose", functools.partial(_compose_one, job, publication, setting, text))


def _compose_one(job: NightlyRun, publication: Publication, setting: str, cadence_text: str) -> None:
    from mediawatch.compose import compose_issue
    from mediawatch.compose.issues import issue_for_period

    period = due_period(
        parse_cadence(cadence_text, setting), job.now, parse_timezone(job.settings.nightly_timezone)
    )
    if period is None:
        return
    fields = {"publication": publication.value, "period_from": period.start, "period_to": period.end}
    existing = issue_for_period(job.store, publication, period.start, period.end)
    if existing is not None:
        job.state.already.append(existing.slug)
        job.log.info("compose.already_done", slug=existing.slug, state=existing.state.value, **fields)
        return
    try:
        result = compose_issue(
            job.store,
            job.settings,
            publication,
            period_from=period.start,
            period_to=period.end,
            actor=ACTOR,
        )
    except NothingToCompose as exc:  # no empty draft: the period is composed on a later run, if ever
        reason = str(exc)
        if not exc.already_told:  # compose's own words point to --from/--to, which `nightly` does not have
            said_here = Message(
                "compose.refused.nothing_nightly",
                publication=publication_label(publication),
                period=HalfOpen(period.start, period.end, parse_timezone(job.settings.nightly_timezone)),
                name=publication.value,
            )
            reason = said_here.text(DEFAULT_LANGUAGE)
        job.log.info("compose.nothing", reason=reason, already_told=exc.already_told, **fields)
        return
    job.state.composed.append(result.slug)
    job.log.info(
        "compose.done", slug=result.slug, items=result.items, warnings=list(result.warnings), **fields
    )


def render(job: NightlyRun, drafts: list[Issue]) -> None:
    from mediawatch.render import render_issue
    from mediawatch.render.archive import drafts_dir

    out = drafts_dir(job.settings)  # never the public archive: these are drafts
    for issue in drafts:
        try:
            written = render_issue(job.store, issue.id, job.settings, out)
        except RenderError as exc:  # a content problem the editors fix in review: say it, go on
            job.state.warnings.append(
                problem(f"{issue.slug}: {exc}", "nightly.problem.draft", issue=issue.slug, problem=exc)
            )
            job.log.warning("render.refused", slug=issue.slug, error=str(exc))
            continue
        job.state.rendered.append(issue.slug)
        pages = [str(p) for p in written if p.suffix == ".html" and p.parent.name == issue.slug]
        job.log.info("render.done", slug=issue.slug, files=pages)


# Literal keys (the i18n scans read them): a `send --due` outcome that is a problem, in words.
SEND_PROBLEM_KEYS = {
    "refused": "nightly.problem.send_refused",
    "error": "nightly.problem.send_error",
    "unfinished": "nightly.problem.send_unfinished",
}


def send_due(job: NightlyRun) -> None:
    """`mediawatch send --due`: each scheduled issue whose time has come, once."""
    from mediawatch.deliver.send import send_due

    for r in send_due(job.store, job.settings, actor=ACTOR, lang=job.ui_lang, clock=job.clock):
        if r.outcome == "sent":
            job.state.sent.append(r.slug)
            total = r.report.counts.total if r.report else 0
            job.log.info("send.done", slug=r.slug, messages=total)
        elif r.outcome == "busy":
            job.log.info("send.busy", slug=r.slug)
        else:
            english = f"send: {r.slug}: {r.outcome}: {r.detail}"
            why = r.reason or r.detail
            if r.reasons:  # review's, said in each language with the rest
                why = Message("nightly.problem.because", problem=why, reasons=Joined(r.reasons))
            job.state.errors.append(problem(english, SEND_PROBLEM_KEYS[r.outcome], issue=r.slug, problem=why))
            job.log.error("send.failed", slug=r.slug, outcome=r.outcome, error=r.detail)


def watches(job: NightlyRun) -> None:
    """`mediawatch watches run --due`: the saved watches' digests and spike alerts, each sent once."""
    if not job.store.list_watches():
        return  # no watch, no need of an SMTP server
    from mediawatch.deliver.watch_mail import run_watches

    run = run_watches(job.store, job.settings, due=True, clock=job.clock)
    job.log.info(
        "watches.done", digests=run.digests, empty=run.empty, spikes=run.spikes, sent=run.sent,
        failed=run.failed, waiting=run.waiting, recovered=run.recovered,
    )  # fmt: skip
    for name in dict.fromkeys(run.no_address):
        english = f"watches: {name}: no address to send to"
        job.state.warnings.append(problem(english, "nightly.problem.no_address", watch=name))
        job.log.warning("watches.no_address", watch=name)
    if run.unreadable is not None:  # the mail already queued went; the digests wait for the fix
        job.state.errors.append(stage_problem("watches", run.unreadable))
        job.log.error("watches.waiting", watches=run.waiting_for_taxonomy, error=str(run.unreadable))
