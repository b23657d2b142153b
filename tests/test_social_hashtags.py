"""The hashtags of a story's ready-to-post texts come from one literal map (``watch.social``): every theme and
region the classifier can give has one in French, English and Spanish, so a missing catalogue entry fails here
instead of silently dropping the hashtag from the posts; and no module builds a ``story.hashtag.`` key at run
time, which the i18n scans could not see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mediawatch.i18n import LANGUAGES, catalogue
from mediawatch.types import Region, Theme
from mediawatch.watch.social import HASHTAG_KEYS

PACKAGE = Path(__file__).resolve().parents[1] / "mediawatch"
PREFIX = "story.hashtag."


def test_every_theme_and_region_has_a_hashtag_key():
    assert set(HASHTAG_KEYS["theme"]) == {theme.value for theme in Theme}
    assert set(HASHTAG_KEYS["region"]) == {region.value for region in Region}
    for kind, keys in HASHTAG_KEYS.items():
        for name, key in keys.items():
            assert key == f"{PREFIX}{kind}.{name}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_hashtag_key_is_in_the_catalogue_and_is_one_tag(lang):
    words = catalogue(lang)
    keys = [key for keys in HASHTAG_KEYS.values() for key in keys.values()]
    missing = sorted(key for key in keys if key not in words)
    assert missing == [], f"{lang} catalogue lacks hashtags: {missing}"
    for key in keys:
        assert re.fullmatch(r"#\w+", words[key]), (key, words[key])  # a space or a dot would end the tag
    orphans = sorted(k for k in words if k.startswith(PREFIX) and k not in keys)
    assert orphans == [], f"{lang}: hashtags no code reads: {orphans}"


def test_no_module_builds_a_hashtag_key():
    built = re.compile(r"""f(["'])story\.hashtag\.[^"']*\{""")
    holders = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if built.search(path.read_text(encoding="utf-8"))
    )
    assert holders == []
