"""The TOML source registry: the shipped feeds/, error messages, and comment-preserving edits."""

from __future__ import annotations

import dataclasses
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from mediawatch.errors import RegistryError
from mediawatch.sources.registry import (
    add_source,
    load_registry,
    load_registry_file,
    set_enabled,
    set_verified,
    source_from_table,
    source_to_table,
)
from mediawatch.types import OutletType, Region, Source, SourceKind

ROOT = Path(__file__).resolve().parent.parent
FEEDS = ROOT / "feeds"
DATA = Path(__file__).resolve().parent / "data" / "registry"

KEY_PHRASES = {
    "fr": [
        "4 pour 1000",
        "carbone du sol",
        "séquestration carbone sol",
        "agroforesterie",
        "agriculture régénératrice",
    ],
    "en": ["4 per 1000", "soil carbon", "soil organic carbon", "agroforestry", "regenerative agriculture"],
    "es": [
        "4 por 1000",
        "carbono del suelo",
        "carbono orgánico del suelo",
        "agroforestería",
        "agricultura regenerativa",
    ],
}


@pytest.fixture(scope="module")
def shipped() -> list[Source]:
    return load_registry(FEEDS)


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    directory = tmp_path / "feeds"
    shutil.copytree(DATA / "valid", directory)
    return directory


def without_file(sources: list[Source]) -> list[Source]:
    return [dataclasses.replace(s, file="") for s in sources]


# --- the shipped registry --------------------------------------------------------------------------


def test_shipped_registry_size_and_languages(shipped: list[Source]) -> None:
    outlets = [s for s in shipped if s.kind is not SourceKind.NEWS_SEARCH]
    assert len(outlets) >= 60
    languages = Counter(s.language for s in outlets)
    for language in ("fr", "en", "es"):
        assert languages[language] >= 15, languages


def test_shipped_registry_covers_regions_and_outlet_types(shipped: list[Source]) -> None:
    outlets = [s for s in shipped if s.kind is not SourceKind.NEWS_SEARCH]
    regions = {s.region for s in outlets}
    assert {Region.AFRICA, Region.LATIN_AMERICA, Region.ASIA, Region.EUROPE} <= regions
    assert {Region.NORTH_AMERICA, Region.OCEANIA, Region.GLOBAL} <= regions
    assert {s.outlet_type for s in outlets} == set(OutletType)
    for language in ("fr", "en", "es"):
        types = {s.outlet_type for s in outlets if s.language == language}
        assert {OutletType.PRESS, OutletType.INSTITUTIONAL, OutletType.SCIENTIFIC} <= types, language


def test_shipped_news_search_covers_key_phrases(shipped: list[Source]) -> None:
    searched: set[tuple[str, str]] = set()
    for source in shipped:
        if source.kind is SourceKind.NEWS_SEARCH:
            query = parse_qs(urlsplit(source.url).query)["q"][0]
            searched.add((source.language, query.strip('"')))
    for language, phrases in KEY_PHRASES.items():
        for phrase in phrases:
            assert (language, phrase) in searched, (language, phrase)


def test_shipped_registry_is_consistent(shipped: list[Source]) -> None:
    ids = [s.id for s in shipped]
    assert len(ids) == len(set(ids))
    assert all(s.verified is False for s in shipped), "nothing can be verified without internet"
    assert all(s.enabled for s in shipped)
    for source in shipped:
        stem = Path(source.file).stem
        if stem in ("fr", "en", "es"):
            assert source.language == stem, source.id
            assert source.kind is not SourceKind.NEWS_SEARCH, source.id
        else:
            assert stem == "news-search", source.id
            assert source.kind is SourceKind.NEWS_SEARCH, source.id


def test_shipped_files_are_loaded_in_name_order(shipped: list[Source]) -> None:
    files = list(dict.fromkeys(Path(s.file).name for s in shipped))
    assert files == sorted(files) == ["en.toml", "es.toml", "fr.toml", "news-search.toml"]


def test_table_conversion_round_trips(shipped: list[Source]) -> None:
    for source in shipped:
        again = source_from_table(source_to_table(source), "<memory>")
        assert again == dataclasses.replace(source, file="")


# --- loading ---------------------------------------------------------------------------------------


def test_load_fixture_registry(registry: Path) -> None:
    sources = load_registry(registry)
    assert [s.id for s in sources] == ["alpha-news", "beta-journal", "gamma-search"]
    alpha, beta, gamma = sources
    assert alpha.file == str(registry / "a.toml")
    assert gamma.file == str(registry / "b.toml")
    assert alpha.tags == ("soil-carbon",)
    assert alpha.region is Region.EUROPE
    assert alpha.enabled
    assert beta.kind is SourceKind.ATOM
    assert beta.outlet_type is OutletType.SCIENTIFIC
    assert beta.enabled is False
    assert beta.country == ""
    assert beta.region is Region.GLOBAL
    assert gamma.verified is True
    assert gamma.homepage == "https://news.example/"
    assert gamma.notes == "fixture"
    assert load_registry_file(registry / "b.toml") == [gamma]


def test_syntax_error_names_file_and_line() -> None:
    with pytest.raises(RegistryError) as caught:
        load_registry_file(DATA / "broken_syntax.toml")
    assert caught.value.line == 7
    assert "broken_syntax.toml, line 7: invalid TOML" in str(caught.value)


def test_syntax_error_at_end_of_file(tmp_path: Path) -> None:
    path = tmp_path / "open.toml"
    path.write_text('[[source]]\nid = "x"\ntags = ["a",\n', encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry_file(path)
    assert caught.value.line == 3
    assert "open.toml, line 3" in str(caught.value)


GOOD_TABLE = """\
[[source]]
id = "first-ok"
name = "First"
url = "https://first.example/feed"
kind = "rss"
language = "en"
"""

BAD_BASE = {
    "id": '"bad-one"',
    "name": '"Bad"',
    "url": '"https://bad.example/feed"',
    "kind": '"rss"',
    "language": '"fr"',
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"kind": '"rdf"'}, "kind must be one of rss, atom, news-search, html (got “rdf”)"),
        ({"url": None}, "missing required key url"),
        ({"name": None, "url": None}, "missing required keys name, url"),
        ({"region": '"europa"'}, "region must be one of africa, asia, europe, latin_america"),
        ({"outlet_type": '"newspaper"'}, "outlet_type must be one of press, institutional, scientific, blog"),
        ({"url": '"ftp://bad.example/feed"'}, "url must be an http(s) URL (got “ftp://bad.example/feed”)"),
        ({"url": '"bad.example/feed"'}, "url must be an http(s) URL"),
        ({"homepage": '"file:///etc/passwd"'}, "homepage must be an http(s) URL"),
        ({"url": '"https://www..lemonde.fr/rss.xml"'}, "url names no valid host: it has an empty label"),
        ({"url": '"https://' + "a" * 70 + '.org/rss"'}, "url names no valid host: a label is longer than 63"),
        ({"homepage": '"http://[::1"'}, "homepage must be an http(s) URL"),
        ({"langauge": '"fr"'}, "unknown key “langauge” (did you mean “language”?)"),
        ({"language": '"French"'}, "language must be a lowercase ISO 639-1 code"),
        ({"country": '"fr"'}, "country must be an uppercase ISO 3166-1 alpha-2 code"),
        ({"enabled": '"yes"'}, "enabled must be true or false (got “yes”)"),
        ({"tags": '"soil"'}, "tags must be an array of strings"),
        ({"tags": '["a,b"]'}, "each tag must be a non-empty string without commas"),
        ({"name": "42"}, "name must be a string (got “42”)"),
    ],
)
def test_semantic_errors_name_file_line_id_and_problem(
    tmp_path: Path, change: dict[str, str | None], expected: str
) -> None:
    fields = {**BAD_BASE, **change}
    body = "".join(f"{key} = {value}\n" for key, value in fields.items() if value is not None)
    path = tmp_path / "fr.toml"
    path.write_text(f"# header\n\n{GOOD_TABLE}\n# the faulty one\n[[source]]\n{body}", encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry_file(path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == 11  # the second [[source]] header
    assert str(error).startswith(f"{path}, line 11: source “bad-one”: ")
    assert expected in str(error)


def test_bad_id_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(GOOD_TABLE.replace('"first-ok"', '"First OK"'), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"x\.toml, line 1: source “First OK”: id must be a slug"):
        load_registry_file(path)


def test_missing_id_still_locates_the_table(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(GOOD_TABLE + "\n[[source]]\nname = 'No id'\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"x\.toml, line 8: source without id: missing required key"):
        load_registry_file(path)


def test_duplicate_id_across_files(registry: Path) -> None:
    (registry / "c.toml").write_text(
        "# c\n" + GOOD_TABLE.replace("first-ok", "alpha-news").replace("first.example", "other.example"),
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as caught:
        load_registry(registry)
    message = str(caught.value)
    assert message.startswith(f"{registry / 'c.toml'}, line 2: source “alpha-news”: duplicate id")
    assert f"first defined in {registry / 'a.toml'}, line 4" in message


def test_duplicate_url_across_files_ignores_case_and_trailing_slash(registry: Path) -> None:
    table = GOOD_TABLE.replace("https://first.example/feed", "https://ALPHA.example/feed.xml/")
    (registry / "c.toml").write_text(table, encoding="utf-8")
    with pytest.raises(
        RegistryError, match=r"c\.toml, line 1: source “first-ok”: duplicate url .*“alpha-news”"
    ):
        load_registry(registry)


def test_duplicate_id_within_one_file(tmp_path: Path) -> None:
    path = tmp_path / "dup.toml"
    path.write_text(
        GOOD_TABLE + "\n" + GOOD_TABLE.replace("first.example", "second.example"), encoding="utf-8"
    )
    with pytest.raises(RegistryError, match=r"dup\.toml, line 8: source “first-ok”: duplicate id"):
        load_registry_file(path)


def test_wrong_table_name_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text("# typo\n" + GOOD_TABLE.replace("[[source]]", "[[sources]]"), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"typo\.toml, line 2: unknown top-level key “sources”"):
        load_registry_file(path)


def test_single_table_instead_of_array(tmp_path: Path) -> None:
    path = tmp_path / "single.toml"
    path.write_text(GOOD_TABLE.replace("[[source]]", "[source]"), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"single\.toml, line 1: 'source' must be an array of tables"):
        load_registry_file(path)


def test_missing_directory_and_unreadable_bytes(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="registry directory not found"):
        load_registry(tmp_path / "nowhere")
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"# ok\n# caf\xe9\n")
    with pytest.raises(RegistryError, match=r"latin1\.toml, line 2: file is not valid UTF-8"):
        load_registry_file(path)


def test_empty_directory_and_comment_only_file(tmp_path: Path) -> None:
    assert load_registry(tmp_path) == []
    (tmp_path / "empty.toml").write_text("# nothing yet\n", encoding="utf-8")
    assert load_registry(tmp_path) == []


# --- editing ---------------------------------------------------------------------------------------

NEW = Source(
    id="delta-blog",
    name="Delta Blog",
    url="https://delta.example/feed/",
    kind=SourceKind.RSS,
    language="es",
    country="MX",
    region=Region.LATIN_AMERICA,
    outlet_type=OutletType.BLOG,
    tags=("agroforestry", "mexico"),
    notes="added by a test",
)


def test_add_source_creates_local_file(registry: Path) -> None:
    path = add_source(registry, NEW)
    assert path == registry / "local.toml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# mediawatch source registry")
    assert '[[source]]\nid = "delta-blog"\n' in text
    assert "enabled" not in text
    assert "verified" not in text
    loaded = load_registry(registry)
    assert without_file(loaded)[-1] == NEW
    assert loaded[-1].file == str(path)


def test_add_source_keeps_existing_text_byte_for_byte(registry: Path) -> None:
    before = (registry / "a.toml").read_text(encoding="utf-8")
    add_source(registry, NEW, "a.toml")
    after = (registry / "a.toml").read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before) :].startswith('\n[[source]]\nid = "delta-blog"')
    assert [s.id for s in load_registry_file(registry / "a.toml")] == [
        "alpha-news",
        "beta-journal",
        "delta-blog",
    ]
    second = dataclasses.replace(NEW, id="epsilon", url="https://epsilon.example/rss", tags=())
    add_source(registry, second, "a.toml")
    assert [s.id for s in load_registry_file(registry / "a.toml")][-2:] == ["delta-blog", "epsilon"]


def test_add_source_refuses_duplicates_and_bad_input(registry: Path) -> None:
    snapshot = {p.name: p.read_bytes() for p in registry.iterdir()}
    same_id = dataclasses.replace(NEW, id="gamma-search")
    with pytest.raises(RegistryError, match=r"source “gamma-search”: id already used in .*b\.toml, line 3"):
        add_source(registry, same_id)
    same_url = dataclasses.replace(NEW, url="HTTPS://alpha.example/feed.xml")
    with pytest.raises(
        RegistryError, match=r"url .* already used by source “alpha-news” in .*a\.toml, line 4"
    ):
        add_source(registry, same_url)
    with pytest.raises(RegistryError, match=r"source “delta-blog”: url must be an http\(s\) URL"):
        add_source(registry, dataclasses.replace(NEW, url="javascript:alert(1)"))
    with pytest.raises(RegistryError, match="plain '<name>.toml'"):
        add_source(registry, NEW, "../escape.toml")
    assert {p.name: p.read_bytes() for p in registry.iterdir()} == snapshot


def test_add_source_starts_a_missing_registry(tmp_path: Path) -> None:
    directory = tmp_path / "new-feeds"
    add_source(directory, NEW)
    assert without_file(load_registry(directory)) == [NEW]


def test_set_enabled_round_trip_preserves_comments(registry: Path) -> None:
    path = registry / "a.toml"
    before = path.read_text(encoding="utf-8")
    assert set_enabled(registry, "alpha-news", False) == path
    after = path.read_text(encoding="utf-8")
    assert {s.id: s.enabled for s in load_registry(registry)} == {
        "alpha-news": False,
        "beta-journal": False,
        "gamma-search": True,
    }
    # exactly one line added, inside alpha's table, before the comment that introduces beta
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["enabled = false"]
    assert after.index("enabled = false") < after.index("# A comment introducing the next source.")
    for comment in ("# This header comment must survive every edit.", "# inline comment kept too"):
        assert comment in after

    set_enabled(registry, "beta-journal", True)
    text = path.read_text(encoding="utf-8")
    assert "enabled = true  # paused while the publisher migrates" in text
    set_enabled(registry, "alpha-news", True)
    assert [s.enabled for s in load_registry_file(path)] == [True, True]


def test_set_enabled_to_the_default_leaves_file_untouched(registry: Path) -> None:
    path = registry / "b.toml"
    before = path.read_bytes()
    assert set_enabled(registry, "gamma-search", True) == path
    assert path.read_bytes() == before


def test_set_enabled_unknown_id(registry: Path) -> None:
    with pytest.raises(RegistryError, match="no source with id “no-such-feed”"):
        set_enabled(registry, "no-such-feed", False)


def test_set_verified(registry: Path) -> None:
    set_verified(registry, "alpha-news", True)
    set_verified(registry, "gamma-search", False)
    assert {s.id: s.verified for s in load_registry(registry)} == {
        "alpha-news": True,
        "beta-journal": False,
        "gamma-search": False,
    }


def test_edits_on_a_copy_of_the_shipped_registry(tmp_path: Path, shipped: list[Source]) -> None:
    directory = tmp_path / "feeds"
    shutil.copytree(FEEDS, directory)
    set_enabled(directory, "le-monde-planete", False)
    edited = {s.id: s for s in load_registry(directory)}
    assert edited["le-monde-planete"].enabled is False
    original = {s.id: s for s in shipped}
    changed = [sid for sid in original if without_file([original[sid]]) != without_file([edited[sid]])]
    assert changed == ["le-monde-planete"]
    fr_before = (FEEDS / "fr.toml").read_text(encoding="utf-8").splitlines()
    fr_after = (directory / "fr.toml").read_text(encoding="utf-8").splitlines()
    assert [line for line in fr_after if line not in fr_before] == ["enabled = false"]
    assert len(fr_after) == len(fr_before) + 1


def test_set_enabled_last_table_without_final_newline_and_multiline_array(tmp_path: Path) -> None:
    directory = tmp_path / "feeds"
    directory.mkdir()
    path = directory / "x.toml"
    path.write_text(
        '[[source]]\nid = "one"\nname = "One"\nurl = "https://one.example.org/feed"\n'
        'kind = "rss"\nlanguage = "fr"\n'
        "# about two\n\n"
        '[[source]]\nid = "two"\nname = "Two"\nurl = "https://two.example.org/feed"\n'
        'kind = "rss"\nlanguage = "en"\n'
        'tags = [\n  "a",\n  "b",\n]\n# trailing comment',
        encoding="utf-8",
    )
    set_enabled(directory, "two", False)
    set_enabled(directory, "one", False)
    text = path.read_text(encoding="utf-8")
    assert {s.id: s.enabled for s in load_registry(directory)} == {"one": False, "two": False}
    assert text.index('language = "fr"\nenabled = false\n# about two') >= 0
    assert text.endswith("]\nenabled = false\n# trailing comment")
