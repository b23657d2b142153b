"""Every route of the web app, given hostile values where a person or a robot can put them (path parts, query
strings, form fields), answers without a server error, for every role and for nobody logged in.

The routes are read from the app itself, so a new route is swept without being listed here; the field names
are the ones the app's own pages use, plus the query parameters any page reads. In-process (the Flask test
client) for breadth: several thousand requests; the journeys drive the same app through the production
server and a browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import lxml.html
import pytest
from review_samples import PASSWORD, add_team, make_issue
from search_samples import fill

from mediawatch.config import Settings
from mediawatch.store import open_store
from mediawatch.web.app import create_app

# What a person mistypes and a robot tries: empty, signs, huge numbers, impossible dates, markup, NUL,
# invalid UTF-8 escapes, very long text.
HOSTILE = (
    "",
    "-1",
    "0",
    "99999999999999999999",
    "2147483648",
    "1e309",
    "NaN",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31T23:59:59",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "\x00",
    "é漢\u202e",
    "²",
    "a" * 5000,
)
HOSTILE_ONE_BY_ONE = ("99999999999999999999", "9999-12-31", "0001-01-01T00:00:00+14:00", "\x00")
HOSTILE_PATH = ("0", "99999999999999999999", "2147483648", "xx", "%00", "%ff%fe", "a" * 3000)
QUERY_NAMES = (
    "page",
    "q",
    "lang",
    "since",
    "until",
    "from",
    "to",
    "period",
    "state",
    "theme",
    "region",
    "language",
    "objective",
    "outlet_type",
    "sort",
    "sent",
    "used",
    "next",
    "publication",
)
ROLES = (None, "ana", "vic", "root")  # nobody, an editor, a viewer, an admin (review_samples.add_team)
FIELD = re.compile(r'name="([A-Za-z_][\w\-]*)"')
INT_PART = re.compile(r"<int:(\w+)>")
ANY_PART = re.compile(r"<(?:\w+:)?(\w+)>")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'web.sqlite3'}"
    store = open_store(url)
    fill(store)
    add_team(store)
    issue = make_issue(store)
    settings = Settings(secret_key="web-fuzz-tests-secret-0123456789abcdef", extract_workers=1)
    app = create_app(settings, store)
    known = {"issue_id": str(issue), "lang": "fr"}
    yield app, known
    store.close()


def client_of(app: Any, name: str | None) -> tuple[Any, str]:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    if name is not None:
        answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
        assert answer.status_code == 303
        page = client.get("/").get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        token = found.group(1) if found else token
    return client, token


def rules(app: Any, method: str) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if method in rule.methods and not rule.rule.startswith("/static")
    )


def filled(rule: str, known: dict[str, str], value: str) -> str:
    """The rule with each path part set to ``value`` (a known id where the part is not the one swept)."""
    return ANY_PART.sub(lambda m: value if value else known.get(m.group(1), "1"), rule)


def paths(rule: str, known: dict[str, str]) -> Iterator[str]:
    yield filled(rule, known, "")
    for value in HOSTILE_PATH:
        if "<" in rule:
            yield filled(rule, known, value)


def form_fields(app: Any, client: Any) -> set[str]:
    names: set[str] = set()
    for rule in rules(app, "GET"):
        if "<" not in rule:
            answer = client.get(rule)
            if answer.mimetype == "text/html":  # pages hold forms; an icon is bytes, not text
                names.update(FIELD.findall(answer.get_data(as_text=True)))
    return names - {"csrf_token"}


def sweep(client: Any, method: str, path: str, failed: list[str], **kwargs: Any) -> None:
    try:
        answer = client.open(path, method=method, **kwargs)
    except Exception as exc:  # the test client re-raises what the app did not handle
        failed.append(f"{type(exc).__name__} {method} {path[:100]} {kwargs.get('query_string') or ''}")
        return
    if answer.status_code >= 500:
        failed.append(f"{answer.status_code} {method} {path[:100]} {kwargs.get('query_string') or ''}")


@pytest.mark.parametrize("who", ROLES)
def test_every_page_survives_hostile_paths_and_queries(site, who):
    app, known = site
    client, _token = client_of(app, who)
    failed: list[str] = []
    for rule in rules(app, "GET"):
        for path in paths(rule, known):
            sweep(client, "GET", path, failed)
        base = filled(rule, known, "")
        for value in HOSTILE:  # every parameter at once
            sweep(client, "GET", base, failed, query_string=dict.fromkeys(QUERY_NAMES, value))
        if who != "root":
            continue
        for name in QUERY_NAMES:  # one at a time: a refusal of one must not hide another
            for value in HOSTILE_ONE_BY_ONE:
                sweep(client, "GET", base, failed, query_string={name: value})
    assert not failed, "\n".join(failed[:60]) + f"\n({len(failed)} in all)"


def forms_of(client: Any, app: Any, known: dict[str, str]) -> dict[tuple[str, str], dict[str, str]]:
    """Every POST form on every page the client can read: (action, first field names) -> its values as the
    page fills them in (the valid starting point each hostile value replaces one field of)."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for rule in rules(app, "GET"):
        answer = client.get(filled(rule, known, ""))
        if answer.status_code != 200 or "html" not in answer.content_type:
            continue
        document = lxml.html.fromstring(answer.get_data(as_text=True))
        for form in document.forms:
            action = form.get("action") or filled(rule, known, "")
            if (form.get("method") or "get").lower() != "post" or action.endswith(
                ("/logout", "/me/language")
            ):
                continue
            values = {name: str(value or "") for name, value in form.form_values()}
            for name in form.inputs.keys():  # unticked boxes and empty selects too
                values.setdefault(name, "")
            found.setdefault((action, ",".join(sorted(values))), values)
    return found


@pytest.mark.parametrize("who", [None, "root"])
def test_every_form_survives_one_hostile_field(site, who):
    app, known = site
    client, _token = client_of(app, who)
    forms = forms_of(client, app, known)
    assert forms
    # the login form's hostile posts are failed logins: their throttling falls on an address of their own,
    # not on the one the other tests log in from
    client.environ_base["REMOTE_ADDR"] = "127.0.0.66"
    failed: list[str] = []
    origin = {"Origin": "http://localhost"}
    for (action, _names), values in sorted(forms.items()):
        for name in values:
            if name == "csrf_token":
                continue
            for value in HOSTILE:
                before = len(failed)
                sweep(client, "POST", action, failed, data=values | {name: value}, headers=origin)
                if len(failed) > before:
                    failed[-1] += f" with {name}={value[:30]!r}"
    assert not failed, "\n".join(failed[:60]) + f"\n({len(failed)} in all)"


def test_the_sweep_reaches_pages_and_forms(site):
    """The sweep means something: it logs in, reads real pages, finds their forms and fields."""
    app, known = site
    client, _token = client_of(app, "root")
    assert client.get("/issues").status_code == 200
    forms = forms_of(client, app, known)
    actions = {action for action, _names in forms}
    assert len(actions) >= 15, actions
    assert any(action.startswith(f"/issues/{known['issue_id']}") for action in actions)
    assert {"title", "q"} <= form_fields(app, client)
