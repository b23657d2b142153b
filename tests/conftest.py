"""Shared fixtures: a local hostile HTTP server and access to ../shared/corpus."""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hostile_server import HostileServer

CORPUS_ROOT = (Path(__file__).parents[1] / "../shared/corpus").resolve()


def corpus_dir(name: str) -> Path:
    """``../shared/corpus/<name>`` (from the project root); skips the calling test when it is absent."""
    path = (CORPUS_ROOT / name).resolve()
    if not path.is_dir():
        pytest.skip(
            f"../shared/corpus/{name} is absent: this test reads third-party material that lives outside "
            f"the repository (expected at {path})"
        )
    return path


@pytest.fixture(scope="session", name="corpus_dir")
def corpus_dir_fixture() -> Callable[[str], Path]:
    """The :func:`corpus_dir` helper, as a fixture: ``corpus_dir("feedparser_tests")``."""
    return corpus_dir


@pytest.fixture(autouse=True)
def _english_and_strict_translations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read English output whatever the developer's locale, and a missing catalogue key fails them."""
    monkeypatch.setenv("MEDIAWATCH_LANG", "en")
    monkeypatch.setenv("MEDIAWATCH_I18N_STRICT", "1")


@pytest.fixture
def hostile_server() -> Iterator[HostileServer]:
    """A started :class:`HostileServer` on 127.0.0.1 (a free port), stopped after the test."""
    with HostileServer() as server:
        yield server


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """A seeded random generator whose seed is printed, so a failing randomised run can be replayed.

    The seed is ``MEDIAWATCH_TEST_SEED`` when set, otherwise a fresh one; it is printed (shown with the
    test's output when it fails) and attached to the report as a property.
    """
    seed = int(os.environ.get("MEDIAWATCH_TEST_SEED") or secrets.randbits(32))
    print(f"random seed: MEDIAWATCH_TEST_SEED={seed} (set it to replay {request.node.nodeid})")
    request.node.user_properties.append(("seed", seed))
    return random.Random(seed)


# A system part that `make test` installs cannot be missing in CI: there, a test that skips for want of it
# fails instead, so a broken install step shows red rather than as a quieter, shorter run.
_INSTALLED_BY_MAKE_TEST = ("/usr/bin/chromium", "nginx", "postgresql", "initdb")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("CI") == "true" and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if any(part in reason for part in _INSTALLED_BY_MAKE_TEST):
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, where `make test` must have installed it: {reason}"
