"""`make demo` end to end: the nightly job on the sample sources, rendered editions, report, accounts."""

from __future__ import annotations

import json

import pytest

from mediawatch.demo.__main__ import run
from mediawatch.store import open_store


@pytest.mark.slow
def test_demo_runs_the_whole_main_job(tmp_path, capsys):
    workdir, issues = tmp_path / ".demo", tmp_path / "issues"
    assert run(workdir, issues) == 0
    out = capsys.readouterr().out
    editions = sorted(p.relative_to(issues).as_posix() for p in issues.glob("*/*/*.html"))
    slugs = {p.split("/")[1] for p in editions}
    assert len(slugs) == 2
    assert {s.split("-2")[0] for s in slugs} == {"press-review", "newsletter"}
    for slug in slugs:
        for lang in ("fr", "en", "es"):
            html = next(issues.glob(f"*/{slug}/{lang}.html")).read_text(encoding="utf-8")
            text = next(issues.glob(f"*/{slug}/{lang}.txt")).read_text(encoding="utf-8")
            assert f'lang="{lang}"' in html
            assert text.strip()
            assert f"{slug}/{lang}.html" in out
    newsletter = next(issues.glob("*/newsletter-*/fr.html")).read_text(encoding="utf-8")
    assert "Édito" in newsletter
    assert "0,4 %" in newsletter
    for lang in ("fr", "en", "es"):
        assert (issues / f"feed.{lang}.atom").is_file()
        assert (issues / f"index.{lang}.html").is_file()
        report = (workdir / f"report.{lang}.html").read_text(encoding="utf-8")
        assert "<svg" in report
    events = [json.loads(line) for line in (workdir / "nightly.log").read_text(encoding="utf-8").splitlines()]
    assert any(e.get("event") == "nightly.start" for e in events)
    assert "serve" in out
    assert "demo-approver" in out
    with open_store(f"sqlite:///{workdir / 'mediawatch.sqlite3'}") as store:
        assert {u.name for u in store.list_users()} >= {"demo-editor", "demo-approver"}
        assert len(store.list_issues()) == 2
