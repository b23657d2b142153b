"""Compose: turn the relevant stories of a period into a draft issue with FR/EN/ES editions.

Layer: after classify and the watch; imports leaves, the store's protocols and earlier stages. The layers:
pyproject.toml [tool.importlinter] and docs/design.md.
"""

from mediawatch.compose.compose import ComposeResult, compose_issue, gather_candidates, parse_languages
from mediawatch.compose.translation import RetryReport, retry_translations

__all__ = [
    "ComposeResult",
    "RetryReport",
    "compose_issue",
    "gather_candidates",
    "parse_languages",
    "retry_translations",
]
