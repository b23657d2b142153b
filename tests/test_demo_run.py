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
    _explore_commands_use_the_demos_settings(out, workdir)


def _explore_commands_use_the_demos_settings(out: str, workdir) -> None:
    """The commands the demo prints open what it showed: its database, sources and the model it trained
    (not the packaged base model a bare --db would fall back to)."""
    import shlex

    from click.testing import CliRunner

    from mediawatch.cli import cli
    from mediawatch.config import load_settings, model_file

    printed = [line.strip() for line in out.splitlines() if line.strip().startswith(".venv/bin/mediawatch")]
    assert len(printed) >= 5  # serve, then the commands to explore with
    config = workdir / "config.toml"
    assert all(f"--config {config} " in line for line in printed), printed
    assert not any("--db" in line for line in printed)
    settings = load_settings(str(config))
    assert model_file(settings) == workdir / "relevance-model.npz"
    assert model_file(settings).is_file()
    assert settings.allow_private_addresses
    for line in printed:
        args = shlex.split(line)[1:]
        if args[-1] == "serve":
            continue
        result = CliRunner().invoke(cli, args, env={"MEDIAWATCH_DB": None, "MEDIAWATCH_CONFIG": None})
        assert result.exit_code in (0, 4), (line, result.output)  # 4: broken demo sources, on purpose
        assert result.output.strip(), line
