"""The one place that names a region, for every stage a person reads one in: the story page and its
correction boxes, the watch page's and a saved watch's filters, the add form, the correspondents' pages,
the dashboard and the board's report, and the CLI's tables and story view. Catalogue: ``regions.<lang>.toml``.

Each name is said alone (a list item, a table cell, a choice, after a label and a colon), so it carries no
article: a sentence that puts a region inside its words would need its own catalogue template per region,
as French and Spanish choose "en", "au", "dans le" or "el" by the name.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mediawatch.i18n import t
from mediawatch.types import Region

__all__ = ["REGION_KEYS", "region_name"]

# Literal keys (the i18n scans read them), in the order the filters and the report list the regions.
REGION_KEYS: Mapping[str, str] = MappingProxyType(
    {
        Region.AFRICA.value: "region.name.africa",
        Region.ASIA.value: "region.name.asia",
        Region.EUROPE.value: "region.name.europe",
        Region.LATIN_AMERICA.value: "region.name.latin_america",
        Region.NORTH_AMERICA.value: "region.name.north_america",
        Region.OCEANIA.value: "region.name.oceania",
        Region.MENA.value: "region.name.mena",
        Region.GLOBAL.value: "region.name.global",
    }
)


def region_name(region: Region | str, lang: str | None) -> str:
    """``latin_america`` -> "América Latina" in ``lang``; a name this map does not know as it is."""
    value = str(region)
    key = REGION_KEYS.get(value)
    return t(key, lang) if key else value
