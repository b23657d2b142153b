"""The one place that names a theme and a strategic objective, for every stage a person reads them in: the
rendered editions' sections, the dashboard and the board's report, the watch page's filters, the story page
and its correction boxes, a saved watch's filters in words, and the CLI. Catalogue: ``themes.<lang>.toml``.

An objective is said with its code first ("A5 – Marchés carbone pour les agriculteurs"): the strategic plan
and the people who follow it speak in codes, the name is there for everybody else. A team's own taxonomy
may have codes this map does not know: those are said with the description the team's file gives them
(``classify.vocabulary`` passes it), or as the code alone, never as a catalogue key.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mediawatch.i18n import t
from mediawatch.types import Theme

__all__ = ["OBJECTIVE_KEYS", "THEME_KEYS", "objective_name", "theme_name"]

# Literal keys (the i18n scans read them), in the order the editions lay their sections out.
THEME_KEYS: Mapping[str, str] = MappingProxyType(
    {
        Theme.SCIENCE.value: "theme.name.science",
        Theme.POLICY.value: "theme.name.policy",
        Theme.FINANCE_MARKETS.value: "theme.name.finance_markets",
        Theme.PRACTICES.value: "theme.name.practices",
        Theme.FORESTRY_AGROFORESTRY.value: "theme.name.forestry_agroforestry",
        Theme.MRV_MONITORING.value: "theme.name.mrv_monitoring",
        Theme.EVENTS.value: "theme.name.events",
        Theme.INITIATIVE_4P1000.value: "theme.name.initiative_4p1000",
    }
)

# The packaged taxonomy's objectives (classify/taxonomy/objectives.toml), by code.
OBJECTIVE_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "A5": "objective.name.A5",
        "B2": "objective.name.B2",
        "B4": "objective.name.B4",
        "C2": "objective.name.C2",
        "E1": "objective.name.E1",
        "E2": "objective.name.E2",
        "F1": "objective.name.F1",
    }
)


def theme_name(theme: Theme | str, lang: str | None) -> str:
    """``forestry_agroforestry`` -> "Bosques y agroforestería" in ``lang``; an unknown name as it is."""
    value = str(theme)
    key = THEME_KEYS.get(value)
    return t(key, lang) if key else value


def objective_name(code: str, lang: str | None, own: str = "") -> str:
    """``A5`` -> "A5 – Mercados de carbono para agricultores" in ``lang``; a code of a team's own taxonomy
    that this map does not know is said with ``own`` (its description in the team's file), else as the
    code."""
    key = OBJECTIVE_KEYS.get(code)
    if key:
        return t("objective.with_code", lang, code=code, name=t(key, lang))
    return t("objective.with_code", lang, code=code, name=own) if own else code
