"""A small FR/EN/ES press corpus for the search tests, stored through the store's own API.

Real-ish articles: plurals and singulars (sols/sol, suelos/suelo, soils/soil), accents, elisions
(l'agroforesterie), outlets and authors, three relevance states, one story across three languages, an
article in German (indexed unstemmed), one still pending (never searchable) and one long enough to be
cut where PostgreSQL's tsvector limits would bite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from mediawatch.classify.stories import StoryIndex
from mediawatch.classify.story_signature import StoryDoc
from mediawatch.collect.decide import SourceState
from mediawatch.store import NewEntry, PageOutcome, Store
from mediawatch.store import schema as t
from mediawatch.store import schema_watch as tw
from mediawatch.store.core import inserted_id
from mediawatch.types import (
    Classification,
    Extracted,
    FetchEvent,
    FetchStatus,
    IssueState,
    ItemStatus,
    OutletType,
    Region,
    Source,
    SourceKind,
    Theme,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Sample:
    key: str
    language: str
    title: str
    summary: str
    text: str
    sitename: str
    author: str
    days_ago: int
    state: str  # relevant / unsure / not_relevant
    themes: tuple[Theme, ...] = ()
    regions: tuple[Region, ...] = (Region.GLOBAL,)
    source: str = "presse"
    objectives: tuple[str, ...] = ()


SAMPLES = (
    Sample(
        "fr1", "fr", "Les sols vivants stockent le carbone",
        "Une étude sur les sols agricoles français.",
        "La séquestration du carbone dans les sols agricoles progresse grâce à l'agroforesterie. "
        "Le carbone du sol est au cœur de l'initiative « 4 pour 1000 ».",
        "Le Monde", "Claire Martin", 1, "relevant", (Theme.SCIENCE,), (Region.EUROPE,), "presse", ("A5",),
    ),
    Sample(
        "fr2", "fr", "Un sol pauvre en matière organique",
        "L'érosion menace les terres.",
        "L'érosion menace le sol des régions sèches ; la sécheresse réduit la matière organique.",
        "Libération", "Paul Dupont", 2, "unsure", (Theme.PRACTICES,), (Region.AFRICA,), "agri",
    ),
    Sample(
        "fr3", "fr", "Océan et climat : le carbone",
        "Bleu comme la mer, dit le rapport.",
        "Les océans absorbent le carbone ; les mangroves stockent du carbone bleu.",
        "Ouest-France", "", 3, "not_relevant",
    ),
    Sample(
        "en1", "en", "Healthy soils store more carbon",
        "Farmers test regenerative practices.",
        "Soil carbon sequestration on farms: regenerative agriculture and cover crops increase soil "
        "organic carbon.",
        "The Guardian", "Jane Smith", 1, "relevant", (Theme.SCIENCE, Theme.PRACTICES),
        (Region.NORTH_AMERICA,),
    ),
    Sample(
        "en2", "en", "Kenya surveys its soil",
        "Health checks on smallholder farms.",
        "The survey measured the land of smallholder farms; policies on land restoration follow.",
        "Reuters", "", 4, "unsure", (Theme.POLICY,), (Region.AFRICA,), "agri",
    ),
    Sample(
        "en3", "en", "Blue carbon: oceans and mangroves",
        "Coastal ecosystems.",
        "Ocean carbon and the sea: mangroves store blue carbon along the coast.",
        "BBC", "", 5, "not_relevant",
    ),
    Sample(
        "es1", "es", "Los suelos agrícolas capturan carbono",
        "Un estudio en América Latina.",
        "La captura de carbono en los suelos agrícolas mejora con la agroforestería y la materia orgánica.",
        "El País", "Ana García", 1, "relevant", (Theme.SCIENCE,), (Region.LATIN_AMERICA,),
    ),
    Sample(
        "es2", "es", "Un suelo degradado en la región andina",
        "La erosión avanza.",
        "El suelo erosionado pierde carbono; la política de restauración de tierras avanza.",
        "Clarín", "", 6, "unsure", (Theme.POLICY,), (Region.LATIN_AMERICA,), "agri", ("B2",),
    ),
    Sample(
        "es3", "es", "El océano y el carbono azul",
        "Ecosistemas costeros.",
        "Los océanos absorben carbono; los manglares almacenan carbono azul.",
        "El Tiempo", "", 7, "not_relevant",
    ),
    Sample(
        "de1", "de", "Boden und Kohlenstoff",
        "Eine Studie.",
        "Der Boden speichert Kohlenstoff, sagt die Studie über Böden.",
        "Die Zeit", "", 8, "not_relevant",
    ),
    Sample(
        # 300 repetitions of one word: PostgreSQL keeps 256 positions per lexeme, so the document is cut
        # before the 257th, on both backends: "azote marin" at the end is not indexed, "humus" is.
        "long", "fr", "Chronique du humus",
        "",
        "humus forestier " + "terre " * 300 + "azote marin",
        "Le Figaro", "", 9, "not_relevant",
    ),
)  # fmt: skip

STORY = ("fr1", "en1", "es1")  # one story, in three languages
SUBMITTED = "en2"  # sent in by a correspondent
USED = "fr1"  # its story is in a draft issue; es3's only in a cancelled one, en3's item was rejected
PENDING_TITLE = "Sols et carbone : article jamais téléchargé"


def _source(source_id: str) -> Source:
    return Source(
        id=source_id, name=source_id.capitalize(), url=f"https://{source_id}.example/feed",
        kind=SourceKind.RSS, language="fr",
        outlet_type=OutletType.BLOG if source_id == "agri" else OutletType.PRESS,
    )  # fmt: skip


def _classification(article_id: int, sample: Sample) -> Classification:
    return Classification(
        id=str(article_id),
        language=sample.language,
        language_confidence=0.9,
        relevant=sample.state == "relevant",
        relevance=0.5,
        uncertain=sample.state == "unsure",
        matched_terms=(),
        themes=sample.themes,
        regions=sample.regions,
        objectives=sample.objectives,
        version="test",
    )


def fill(store: Store) -> dict[str, int]:
    """Store the samples (and one pending article), classify, group, index; key -> article id."""
    store.sync_sources([_source("presse"), _source("agri")])
    ids: dict[str, int] = {}
    for source_id in ("presse", "agri"):
        chosen = [s for s in SAMPLES if s.source == source_id]
        entries = [
            NewEntry(
                url=f"https://news.example/{s.key}", raw_url=f"https://news.example/{s.key}", title=s.title,
                summary=s.summary, author="", published=NOW - timedelta(days=s.days_ago), feed_language="",
            )
            for s in chosen
        ]  # fmt: skip
        if source_id == "presse":
            entries.append(
                NewEntry(
                    url="https://news.example/pending", raw_url="https://news.example/pending",
                    title=PENDING_TITLE, summary="", author="", published=NOW, feed_language="fr",
                )
            )  # fmt: skip
        event = FetchEvent(source_id, NOW, FetchStatus.OK, 200, "", len(entries), 5)
        for pending in store.save_feed_poll(source_id, SourceState(), event, entries):
            key = pending.url.rsplit("/", 1)[1]
            if key != "pending":
                ids[key] = pending.id
    by_key = {s.key: s for s in SAMPLES}
    for key, article_id in ids.items():
        s = by_key[key]
        published = NOW - timedelta(days=s.days_ago)
        extracted = Extracted(
            title=s.title, text=s.text, author=s.author, date=published, sitename=s.sitename,
            language=s.language, canonical_url="",
        )  # fmt: skip
        outcome = PageOutcome(
            final=True, final_url=f"https://news.example/{key}", extracted=extracted, published=published,
            date_source="page",
        )  # fmt: skip
        store.complete_article(article_id, outcome, NOW, timedelta(hours=1))
    store.save_classifications([_classification(ids[s.key], s) for s in SAMPLES])
    story_id = ids[STORY[0]]
    # real signatures, so that grouping a later article (one added by hand) reads them
    index = StoryIndex()
    signatures = {
        k: index.signature_of(
            StoryDoc(ids[k], by_key[k].title, by_key[k].text, by_key[k].language, NOW, by_key[k].sitename)
        )
        for k in STORY
    }
    store.save_story_members([(ids[k], story_id, signatures[k]) for k in STORY])
    store.reindex_pending()
    _sent_in_and_used(store, ids)
    return ids


def _sent_in_and_used(store: Store, ids: dict[str, int]) -> None:
    """A correspondent's item, and issues that use some stories (written as the tables hold them)."""
    with store._tx() as conn:
        conn.execute(
            sa.insert(tw.submissions).values(
                author="corinne", url=f"https://news.example/{SUBMITTED}", status="added",
                article_id=ids[SUBMITTED], submitted_at=NOW,
            )
        )  # fmt: skip
        for slug, state, key, status in (
            ("draft", IssueState.DRAFT, USED, ItemStatus.ACCEPTED),
            ("cancelled", IssueState.CANCELLED, "es3", ItemStatus.ACCEPTED),
            ("rejected", IssueState.DRAFT, "en3", ItemStatus.REJECTED),
        ):
            issue_id = inserted_id(
                conn.execute(
                    sa.insert(t.issues).values(
                        slug=slug, publication="newsletter", period_from=NOW, period_to=NOW,
                        languages='["en"]', state=state.value, created_at=NOW,
                    )
                )
            )  # fmt: skip
            conn.execute(
                sa.insert(t.issue_items).values(
                    issue_id=issue_id, story_id=ids[key], article_id=ids[key], section="science",
                    position=1, status=status.value, url=f"https://news.example/{key}", language="en",
                )
            )  # fmt: skip
