"""Shared fixtures: a local hostile HTTP server and access to ../shared/corpus."""

from __future__ import annotations

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
