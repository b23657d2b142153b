"""The store's Protocols say exactly what its repositories do: ``Store`` satisfies each one (checked by
mypy on a small program), and each repository mixin's public methods are the ones its Protocol declares,
with the same signatures."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from mediawatch.store import protocols as p
from mediawatch.store.core import Database

ROOT = Path(__file__).resolve().parent.parent


def public_methods(cls: type) -> dict[str, object]:
    """The public callables a class defines itself (not those it inherits)."""
    return {name: value for name, value in vars(cls).items() if not name.startswith("_") and callable(value)}


def protocol_members(proto: type) -> dict[str, object]:
    """The methods a Protocol declares, its own and those of the Protocols it extends."""
    members: dict[str, object] = {}
    for base in reversed(proto.__mro__):
        if getattr(base, "_is_protocol", False) and base.__module__.startswith(p.__name__):
            members.update(public_methods(base))
    return members


# -- sources, articles, classifications and stories (collect, classify) ---------------------------
from mediawatch.store.additions import AdditionRecords  # noqa: E402
from mediawatch.store.articles import ArticleRecords  # noqa: E402
from mediawatch.store.runs import RunRecords  # noqa: E402
from mediawatch.store.sources import SourceRecords  # noqa: E402
from mediawatch.store.stories import StoryRecords  # noqa: E402

COLLECT_CLASSIFY = [
    (SourceRecords, p.SourceRepository),
    (ArticleRecords, p.ArticleRepository),
    (AdditionRecords, p.AdditionRepository),
    (StoryRecords, p.StoryRepository),
    (RunRecords, p.RunRepository),
]
COLLECT_CLASSIFY_SNIPPET = """
from mediawatch.store import Store
from mediawatch.store.protocols import (
    AddArticleStore, AdditionRepository, ArticleRepository, CollectorStore, CollectRunStore, RunRepository,
    SourceRepository, StoryListing, StoryRepository,
)


def satisfied(store: Store) -> list[object]:
    a: SourceRepository = store
    b: ArticleRepository = store
    c: StoryRepository = store
    d: RunRepository = store
    e: CollectorStore = store
    f: CollectRunStore = store
    g: StoryListing = store
    h: AdditionRepository = store
    i: AddArticleStore = store
    return [a, b, c, d, e, f, g, h, i]


class OnlySources:  # the control: mypy must refuse a class that lacks most of a Protocol
    def aliases_of(self, article_id: int) -> list[str]:
        return []


refused: ArticleRepository = OnlySources()
"""
COLLECT_CLASSIFY_REFUSED = ['"OnlySources", variable has type "ArticleRepository"']


@pytest.mark.parametrize(("mixin", "proto"), COLLECT_CLASSIFY, ids=lambda x: x.__name__)
def test_collect_classify_protocol_lists_exactly_the_repository_methods(mixin: type, proto: type) -> None:
    declared = protocol_members(proto)
    defined = public_methods(mixin)
    from_core = {name for name in declared if name in public_methods(Database)}
    assert set(defined) == set(declared) - from_core, f"{mixin.__name__} and {proto.__name__} differ"
    for name, method in defined.items():
        assert str(inspect.signature(method)) == str(inspect.signature(declared[name])), (
            f"{mixin.__name__}.{name} is not declared as it is in {proto.__name__}"
        )


def test_collect_classify_store_satisfies_its_protocols(tmp_path: Path) -> None:
    run_mypy_on(tmp_path, COLLECT_CLASSIFY_SNIPPET, COLLECT_CLASSIFY_REFUSED)


# -- issues, editions, translations, review, users, subscribers, outbox, reporting ----------------


# -- helpers ---------------------------------------------------------------------------------------
def run_mypy_on(tmp_path: Path, snippet: str, refused: list[str]) -> None:
    """mypy --strict on ``snippet``: the only errors must be the expected refusals of its control."""
    program = tmp_path / "snippet.py"
    program.write_text(snippet, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--config-file", "/dev/null",
            "--cache-dir", str(tmp_path / "cache"), str(program),
        ],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    # only the snippet's own errors: a library without type hints (configured in pyproject.toml, which
    # this run does not read) is not what is being checked
    errors = [line for line in result.stdout.splitlines() if ": error:" in line and "snippet.py" in line]
    unexpected = [line for line in errors if not any(r in line for r in refused)]
    assert not unexpected, result.stdout
    for expected in refused:
        assert any(expected in line for line in errors), f"mypy did not refuse the control: {result.stdout}"
