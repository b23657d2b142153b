"""What the team's taxonomy names: the themes and strategic objectives that the watch page's filters, the
saved watches, the story page's corrections and every listing offer, accept and name.

``taxonomy_names(settings.taxonomy_dir)`` is the one answer for every stage, read from the team's own
taxonomy (the ``taxonomy_dir`` setting) or the packaged one, as the classifier reads it; an objective of the
team's own that the catalogues do not name is said with the description its file gives it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from mediawatch.classify.taxonomy import DEFAULT_DIR, FILES, fingerprint, load_taxonomy
from mediawatch.i18n.themes import objective_name
from mediawatch.types import Theme

__all__ = ["TaxonomyNames", "taxonomy_names"]


@dataclass(frozen=True, slots=True)
class TaxonomyNames:
    themes: tuple[str, ...]  # the Theme values the taxonomy defines, in the code's order
    objectives: Mapping[str, str]  # code -> its description in the taxonomy's file, by code

    def objective_name(self, code: str, lang: str | None) -> str:
        """The objective in ``lang``: the catalogue's name, else the team's own words for it."""
        return objective_name(code, lang, own=self.objectives.get(code, ""))


def taxonomy_names(directory: str | Path | None = None) -> TaxonomyNames:
    """The names of the taxonomy in ``directory`` ("" or None: the packaged one). A ConfigError says what
    is wrong with it, as ``mediawatch taxonomy check`` does.

    Keyed by the files' content, not only the folder: a team that edits its taxonomy sees the filters follow
    without restarting the web app, and loading (a few tenths of a second) happens once per version."""
    path = Path(directory) if directory else DEFAULT_DIR
    try:
        version = fingerprint(path / name for name in FILES)
    except OSError:
        version = ""  # a missing folder or file: load_taxonomy says which, in the reader's words
    return _names(str(path), version)


@functools.lru_cache(maxsize=8)
def _names(directory: str, version: str) -> TaxonomyNames:
    taxonomy = load_taxonomy(directory)
    objectives = {code: taxonomy.objectives[code].description for code in sorted(taxonomy.objectives)}
    return TaxonomyNames(
        themes=tuple(theme.value for theme in Theme if theme in taxonomy.themes),
        objectives=MappingProxyType(objectives),
    )
