"""A filter on /watch that names a source while there is none to choose from says so in the reader's
language, instead of "not one of the choices ()" with nothing between the brackets."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
from review_samples import add_team, signed_in

from mediawatch.config import Settings
from mediawatch.store import open_store
from mediawatch.web.app import create_app


@pytest.fixture
def empty_site(db_url: str) -> Iterator[Any]:
    store = open_store(db_url)
    add_team(store)  # people, and not one source
    yield create_app(Settings(secret_key="watch-page-no-sources-0123456789", extract_workers=1), store)
    store.close()


@pytest.mark.parametrize(
    ("user", "said"),
    [
        ("ana", "Source: “agro-blog” is not one of the choices: there are none to choose from yet."),
        (
            "carla",
            "Source : «\u00a0agro-blog\u00a0» ne fait pas partie des choix : il n'y en a encore aucun.",
        ),
        ("vic", "Fuente: «agro-blog» no es una de las opciones: todavía no hay ninguna."),
    ],
)
def test_a_source_asked_for_before_any_exists_is_said_plainly(empty_site, user, said):
    answer = signed_in(empty_site, user).get("/watch?source=agro-blog")
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    assert said in page, page
    assert "()" not in page
