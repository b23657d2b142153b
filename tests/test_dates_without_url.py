"""Publication dates of real pages given WITHOUT their URL (issue 15), read in place from ../shared/corpus.

Two sets with a known day: readability_test_pages whose expected-metadata.json has ``publishedTime`` (33),
and the trafilatura_eval_en_fr_es pages whose URL states a full date (``/2023/11/08/``; 40). Every page is
extracted with ``url=""``, so htmldate cannot read the date from the URL. A date agrees when it falls on
the gold day (the gold's local day or its UTC day). Floors: tests/quality_floors.toml [extraction],
``date_no_url_*``. Run with ``-s`` to see ours beside trafilatura's defaults (extensive date search on).

Measured (docs/extraction.md): the extensive date search changes nothing on these pages. The pages we
missed were stated instants that fall on another day in UTC than on the page; a stated instant is now
kept written on the page's day (extract._on_day), which puts us above trafilatura's defaults (72/73
against 71/73). A gold instant agrees with the same instant written in any offset.
"""

from __future__ import annotations

import gzip
import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trafilatura

from mediawatch.collect.extract import extract_page

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FLOORS_FILE = Path(__file__).parent / "quality_floors.toml"
_URL_DAY = re.compile(r"/((?:19|20)\d\d)[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|$|\D)")


def _folder(name: str) -> Path:
    path = CORPUS / name
    if not path.is_dir():
        pytest.skip(f"third-party corpus folder {name} is absent (looked in {CORPUS}); it is never copied")
    return path


def _cases() -> list[tuple[str, str, str]]:
    """(set, html, gold day or instant)."""
    cases = []
    for page in sorted(_folder("readability_test_pages").iterdir()):
        meta_file = page / "expected-metadata.json"
        if meta_file.is_file() and (stated := json.loads(meta_file.read_text("utf-8")).get("publishedTime")):
            html = gzip.decompress((page / "source.html.gz").read_bytes()).decode("utf-8", "replace")
            cases.append(("readability", html, stated))
    folder = _folder("trafilatura_eval_en_fr_es")
    for url, entry in json.loads((folder / "evaldata_en_fr_es.json").read_text("utf-8")).items():
        day = _URL_DAY.search(url)
        path = folder / "html" / Path(entry["file"]).name
        if day and path.is_file():
            html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
            cases.append(("urldate", html, "-".join(day.groups())))
    return cases


def _agrees(ours: datetime | None, gold: str) -> bool:
    if ours is None:
        return False
    stated = datetime.fromisoformat(gold.replace("Z", "+00:00"))
    if stated.tzinfo is not None and abs(ours - stated).total_seconds() < 60:
        return True  # the very instant the gold states, whatever offset it is written in
    days = {stated.date()} | ({stated.astimezone(UTC).date()} if stated.tzinfo else set())
    return ours.date() in days  # the day in the offset the page stated (UTC for a bare day)


def _trafilatura_day(html: str) -> datetime | None:
    document = trafilatura.bare_extraction(html, with_metadata=True)
    day = getattr(document, "date", None)
    return datetime.strptime(day[:10], "%Y-%m-%d").replace(tzinfo=UTC) if day else None


def test_dates_of_pages_without_their_url_stay_above_their_floors() -> None:
    cases = _cases()
    assert len(cases) >= 60, "fewer dated pages than measured: the corpus changed"
    ours: dict[str, list[bool]] = {}
    theirs: dict[str, list[bool]] = {}
    for name, html, gold in cases:
        ours.setdefault(name, []).append(_agrees(extract_page(html, "", "text/html").date, gold))
        theirs.setdefault(name, []).append(_agrees(_trafilatura_day(html), gold))
    ours["all"] = [x for name in ("readability", "urldate") for x in ours[name]]
    theirs["all"] = [x for name in ("readability", "urldate") for x in theirs[name]]
    figures = {f"date_no_url_{name}": sum(v) / len(v) for name, v in ours.items()}
    print(
        "\ndates without URL: "
        + ", ".join(
            f"{name} ours {sum(v)}/{len(v)}, trafilatura {sum(theirs[name])}/{len(theirs[name])}"
            for name, v in ours.items()
        )
    )
    floors = tomllib.loads(FLOORS_FILE.read_text("utf-8"))["extraction"]
    below = [
        f"{key}: {figures[key]:.4f} < {floor}"
        for key, floor in floors.items()
        if key.startswith("date_no_url_") and figures[key] < floor - 1e-9
    ]
    assert not below, "below the floors of tests/quality_floors.toml [extraction]:\n" + "\n".join(below)


LABELLED = Path(__file__).parent / "data" / "dates" / "trafilatura_eval_dates.jsonl"


def test_dates_of_hand_labelled_pages_without_their_url_stay_above_their_floors() -> None:
    """The trafilatura-eval pages whose URL states no day, each labelled by hand with the day the page says
    its article was published (tests/data/dates/README.md). "tune" was read while choosing the dateline
    fallback (collect/dateline.py); "final" was measured once, after."""
    folder = _folder("trafilatura_eval_en_fr_es")
    labels = [json.loads(line) for line in LABELLED.read_text("utf-8").splitlines() if line.strip()]
    ours: dict[str, list[bool]] = {}
    theirs: dict[str, list[bool]] = {}
    for label in labels:
        if not label["published"]:
            continue  # the page states no day of its article
        html = gzip.decompress((folder / "html" / label["file"]).read_bytes()).decode("utf-8", "replace")
        # the day as the page writes it, or the instant it states (written in UTC by some pages)
        golds = [label["published"], *([label["instant"]] if label["instant"] else [])]
        mine, trafilatura_s = extract_page(html, "", "text/html").date, _trafilatura_day(html)
        for part in (label["part"], "all"):
            ours.setdefault(part, []).append(any(_agrees(mine, gold) for gold in golds))
            theirs.setdefault(part, []).append(any(_agrees(trafilatura_s, gold) for gold in golds))
    assert len(ours["all"]) >= 150, "fewer labelled pages than measured: the corpus or the labels changed"
    print(
        "\nhand-labelled dates without URL: "
        + ", ".join(
            f"{part} ours {sum(v)}/{len(v)}, trafilatura {sum(theirs[part])}/{len(theirs[part])}"
            for part, v in sorted(ours.items())
        )
    )
    floors = tomllib.loads(FLOORS_FILE.read_text("utf-8"))["extraction"]
    below = [
        f"date_labelled_{part}: {sum(v) / len(v):.4f} < {floors[f'date_labelled_{part}']}"
        for part, v in ours.items()
        if sum(v) / len(v) < floors[f"date_labelled_{part}"] - 1e-9
    ]
    assert not below, "below the floors of tests/quality_floors.toml [extraction]:\n" + "\n".join(below)
