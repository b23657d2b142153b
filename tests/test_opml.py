"""OPML 2.0 export/import: lossless round trip, foreign OPML, malformed and hostile documents."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from mediawatch.cli import cli
from mediawatch.errors import RegistryError
from mediawatch.sources.opml import MW_NS, export_opml, import_opml, read_opml
from mediawatch.sources.registry import add_source, load_registry
from mediawatch.types import OutletType, Region, Source, SourceKind

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "registry"


def without_file(sources: list[Source]) -> list[Source]:
    return [dataclasses.replace(s, file="") for s in sources]


def test_real_registry_round_trips_losslessly() -> None:
    sources = load_registry(ROOT / "feeds")
    text = export_opml(sources)
    assert import_opml(text) == without_file(sources)
    assert import_opml(text.encode("utf-8"), "export.opml") == without_file(sources)


def test_round_trip_keeps_every_field() -> None:
    source = Source(
        id="odd-one",
        name='Quotes " & <angles> – ñ',
        url="https://odd.example/feed?a=1&b=2",
        kind=SourceKind.HTML,
        language="und",
        country="",
        region=Region.MENA,
        outlet_type=OutletType.BLOG,
        tags=("a", "b-c", "été"),
        enabled=False,
        verified=True,
        homepage="https://odd.example/",
        notes="line one\nline two\ttabbed",
        file="feeds/x.toml",
    )
    assert import_opml(export_opml([source])) == [dataclasses.replace(source, file="")]


def test_export_uses_standard_attributes() -> None:
    sources = load_registry(DATA / "valid")
    text = export_opml(sources, title="4 per 1000 watch")
    root = etree.fromstring(text.encode("utf-8"))
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "4 per 1000 watch"
    outlines = root.findall("body/outline")
    assert len(outlines) == 3
    alpha = outlines[0]
    assert alpha.get("type") == "rss"
    assert alpha.get("text") == alpha.get("title") == "Alpha News"
    assert alpha.get("xmlUrl") == "https://alpha.example/feed.xml"
    assert alpha.get("language") == "fr"
    assert alpha.get("category") == "soil-carbon"
    assert alpha.get(f"{{{MW_NS}}}id") == "alpha-news"
    assert alpha.get(f"{{{MW_NS}}}region") == "europe"
    assert outlines[1].get(f"{{{MW_NS}}}enabled") == "false"
    assert outlines[2].get("htmlUrl") == "https://news.example/"
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    assert 'xmlns:mw="https://mediawatch.example/opml"' in text


def test_foreign_opml_with_folders() -> None:
    sources = import_opml((DATA / "feedly.opml").read_bytes(), "feedly.opml")
    by_id = {s.id: s for s in sources}
    assert list(by_id) == ["le-monde-planete", "carbon-brief", "soil", "mongabay-latam", "soil-2"]

    monde = by_id["le-monde-planete"]
    assert monde.name == "Le Monde – Planète"
    assert monde.url == "https://www.lemonde.fr/planete/rss_full.xml"
    assert monde.homepage == "https://www.lemonde.fr/planete/"
    assert monde.language == "fr"  # from "fr-FR"
    assert monde.tags == ("sols-climat",)
    assert (monde.kind, monde.country, monde.region) == (SourceKind.RSS, "", Region.GLOBAL)
    assert (monde.outlet_type, monde.enabled, monde.verified) == (OutletType.PRESS, True, False)

    # listed in two folders: one source with both folders as tags
    assert by_id["carbon-brief"].tags == ("sols-climat", "agroforesteria")
    assert by_id["carbon-brief"].language == "und"
    # nested folders, then the OPML category's leaf
    assert by_id["soil"].tags == ("sols-climat", "science", "open-access")
    assert by_id["mongabay-latam"].language == "es"
    assert by_id["mongabay-latam"].tags == ("agroforesteria",)
    # same title, different feed: deduplicated id; a non-http htmlUrl is dropped
    assert by_id["soil-2"].url == "https://soil.example/other-soil.xml"
    assert by_id["soil-2"].homepage == ""
    assert by_id["soil-2"].tags == ()
    assert all(s.file == "" for s in sources)


def test_imported_sources_can_be_added_to_a_registry(tmp_path: Path) -> None:
    directory = tmp_path / "feeds"
    for source in import_opml((DATA / "feedly.opml").read_bytes()):
        add_source(directory, source, "imported.toml")
    assert [s.id for s in load_registry(directory)][:2] == ["le-monde-planete", "carbon-brief"]


def test_string_input_with_encoding_declaration() -> None:
    text = (
        (DATA / "feedly.opml")
        .read_text(encoding="utf-8")
        .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    )
    assert len(import_opml(text)) == 5


def test_malformed_opml_reports_line() -> None:
    with pytest.raises(RegistryError) as caught:
        import_opml((DATA / "malformed.opml").read_bytes(), "malformed.opml")
    error = caught.value
    assert error.path == "malformed.opml"
    assert error.line == 7
    assert str(error).startswith("malformed.opml, line 7: malformed OPML: Opening and ending tag mismatch")


@pytest.mark.parametrize(
    ("document", "line", "message"),
    [
        ("", 1, "malformed OPML"),
        ("<rss version='2.0'><channel/></rss>", 1, "not an OPML document (root element is <rss>)"),
        ("<opml version='2.0'>\n<head/>\n</opml>", 1, "OPML document has no <body>"),
        (
            "<opml version='2.0'><body>\n<outline text='x' xmlUrl='feed://x.example/rss'/>\n</body></opml>",
            2,
            "source “x”: url must be an http(s) URL",
        ),
    ],
)
def test_invalid_documents(document: str, line: int, message: str) -> None:
    with pytest.raises(RegistryError) as caught:
        import_opml(document, "in.opml")
    assert caught.value.line == line
    assert message in str(caught.value)


def test_own_namespace_values_are_validated() -> None:
    text = export_opml(load_registry(DATA / "valid")).replace('mw:kind="atom"', 'mw:kind="rdf"')
    with pytest.raises(RegistryError) as caught:
        import_opml(text, "edited.opml")
    assert "source “beta-journal”: kind must be one of rss, atom, news-search, html (got “rdf”)" in str(
        caught.value
    )
    assert caught.value.line is not None
    assert caught.value.line > 1


def test_duplicate_own_ids_are_refused() -> None:
    sources = load_registry(DATA / "valid")
    twin = dataclasses.replace(sources[0], url="https://elsewhere.example/feed")
    with pytest.raises(RegistryError, match="source “alpha-news”: duplicate id"):
        import_opml(export_opml([*sources, twin]))


def test_billion_laughs_is_refused_without_expansion() -> None:
    data = (DATA / "billion_laughs.opml").read_bytes()
    with pytest.raises(RegistryError) as caught:  # refused at the declaration, before any expansion
        import_opml(data, "laughs.opml")
    assert caught.value.line == 2
    assert "DOCTYPE/ENTITY declarations are not allowed" in str(caught.value)
    assert "lollol" not in str(caught.value)


def test_billion_laughs_in_utf16_is_refused() -> None:
    text = (DATA / "billion_laughs.opml").read_text(encoding="utf-8").replace("UTF-8", "UTF-16")
    with pytest.raises(RegistryError, match="DOCTYPE/ENTITY declarations are not allowed"):
        import_opml(text.encode("utf-16"), "laughs16.opml")


def test_external_entity_is_refused() -> None:
    xxe = (
        '<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://x.example/"/></body></opml>'
    )
    with pytest.raises(RegistryError, match="DOCTYPE/ENTITY declarations are not allowed"):
        import_opml(xxe)


def test_doctype_the_byte_scan_cannot_see_is_refused_after_parsing() -> None:
    document = (
        '<?xml version="1.0" encoding="UTF-32"?>\n<!DOCTYPE opml [<!ENTITY a "b">]>\n'
        '<opml version="2.0"><body><outline text="&a;" xmlUrl="https://a.example/"/></body></opml>'
    )
    with pytest.raises(RegistryError, match="DOCTYPE/ENTITY declarations are not allowed"):
        import_opml(document.encode("utf-32"))


# -- one bad entry does not lose the others ----------------------------------------------------------------
def test_read_opml_keeps_the_good_entries_and_says_why_each_bad_one_was_refused() -> None:
    found = read_opml((DATA / "one_bad_entry.opml").read_bytes(), "one_bad_entry.opml")
    assert [s.id for s in found.sources] == ["soil-science-today", "agro-hebdo", "clima-hoy"]
    assert [(p.line, p.outline) for p in found.problems] == [(8, "Broken Reader Link"), (13, "Soil again")]
    assert "url must be an http(s) URL" in found.problems[0].reason.text("en")
    assert "duplicate feed URL (first at line 7)" in found.problems[1].reason.text("en")
    assert "URL de flux en double (déjà à la ligne 7)" in found.problems[1].reason.text("fr")


def test_cli_import_opml_imports_the_good_entries_and_exits_4(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    args = ["--config", str(tmp_path / "empty.toml"), "--db", str(tmp_path / "db.sqlite3")]
    opml = str(DATA / "one_bad_entry.opml")
    result = CliRunner().invoke(
        cli,
        [*args, "--feeds", str(feeds), "--lang", "fr", "sources", "import-opml", opml],
        catch_exceptions=False,
    )
    assert result.exit_code == 4, result.output
    assert f"3 sources importées dans {feeds / 'imported.toml'} ; 0 déjà connue, ignorée" in result.output
    assert f"2 entrées de {opml} n'ont pas été importées :" in result.output
    assert (
        "ligne 8 : Broken Reader Link : source «\u00a0broken-reader-link\u00a0» : "
        "le champ url doit être une URL http(s)" in result.output
    )
    assert "ligne 13 : Soil again : " in result.output
    assert sorted(s.id for s in load_registry(feeds)) == ["agro-hebdo", "clima-hoy", "soil-science-today"]

    again = CliRunner().invoke(
        cli, [*args, "--feeds", str(feeds), "sources", "import-opml", opml], catch_exceptions=False
    )
    assert again.exit_code == 4
    assert f"imported 0 sources into {feeds / 'imported.toml'}; skipped 3 already known" in again.output
