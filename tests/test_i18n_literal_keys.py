"""Every catalogue key is written out in the code, where the scans of ``tests/test_i18n.py`` and this file
see it.

A key built at run time (``f"render.check.{name}"``, ``"collect.deferred." + form``) escapes them: a missing
FR/EN/ES entry then shows up as a raw key in front of a reader, or as a crash in strict mode. Families of
keys are literal maps next to the code that uses them (value -> key, like ``watch.social.HASHTAG_KEYS``);
only the CLI's column headers (``column.<name>``, checked by their own test) are still computed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mediawatch.i18n import LANGUAGES, catalogue

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mediawatch"
ALLOWED_PREFIXES = ("column.",)
# A key as written in the code: three dotted parts at least ("render.check.no_alt"); shorter literals are
# mostly log events and endpoints ("collect.done", "review.issue"), and the t() scan checks those.
KEY_SHAPE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+){2,}")


def _keys() -> set[str]:
    return set().union(*(catalogue(lang) for lang in LANGUAGES))


def _holes(pieces: list[str]) -> list[str | None]:
    """The literal pieces of a template with a computed part (None) between each two."""
    return [part for piece in pieces for part in (piece, None)][:-1]


def _built_strings(source: str) -> list[tuple[int, str, str]]:
    """(line, pattern, code) of each string built at run time from a literal head: f-strings,
    ``"a." + x``, ``"a.%s" % x`` and ``"a.{}".format(x)``; the pattern stands for any catalogue key
    it could spell (each computed part as ``.+``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        parts: list[str | None] | None = None
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            parts = [v.value if isinstance(v, ast.Constant) else None for v in node.values]
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Add | ast.Mod)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
        ):
            text = node.left.value
            parts = _holes(re.split(r"%[sdr]", text)) if isinstance(node.op, ast.Mod) else [text, None]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)
        ):
            parts = _holes(re.split(r"\{[^}]*\}", node.func.value.value))
        if parts is None or "." not in (parts[0] or ""):  # no namespace written out: an id, a file name
            continue
        pattern = "".join(".+" if p is None else re.escape(p) for p in parts)
        found.append((node.lineno, pattern, ast.get_source_segment(source, node) or ""))
    return found


def built_keys() -> list[str]:
    """Where a module builds, at run time, a string that can spell a catalogue key."""
    keys = sorted(_keys())
    where = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, pattern, code in _built_strings(path.read_text(encoding="utf-8")):
            spelled = [key for key in keys if re.fullmatch(pattern, key)]
            if spelled and not all(key.startswith(ALLOWED_PREFIXES) for key in spelled):
                where.append(f"{path.relative_to(ROOT)}:{line}: {code} (spells {spelled[0]}, ...)")
    return where


def literal_keys() -> dict[str, list[str]]:
    """Every whole string literal of the package shaped like a key: the values of the literal maps,
    the keys handed to ``Message``, ``said``, ``tn``, ``reason``..."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside_f = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_f:
                if KEY_SHAPE.fullmatch(node.value):
                    found.setdefault(node.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_built_key_scan_sees_each_way_of_building_a_key():
    source = (
        'a = f"render.check.{name}"\n'
        'b = "collect.deferred." + form\n'
        'c = "nightly.stage.%s" % stage\n'
        'd = "review.refused.{}".format(key)\n'
        'e = f"report.{lang}.html"\n'  # a file name, no key
    )
    patterns = [pattern for _, pattern, _ in _built_strings(source)]
    keys = _keys()
    assert [any(re.fullmatch(p, k) for k in keys) for p in patterns] == [True, True, True, True, False]


def test_no_module_builds_a_catalogue_key_at_run_time():
    assert built_keys() == []


def test_the_literal_scan_sees_the_key_families():
    found = literal_keys()
    for key in (
        "deliver.count.data_sent",  # an OutboxStatus
        "deliver.links.not_https",
        "nightly.stage.watches",
        "nightly.problem.send_unfinished",
        "render.check.archive_personal",
        "review.refused.issue_title_too_long",
        "story.hashtag.theme.science",
    ):
        assert key in found, key


def test_every_literal_key_is_in_every_catalogue():
    tables = {".".join(key.split(".")[:2]) for key in _keys()}  # "render.check", "deliver.count"...
    for lang in LANGUAGES:
        known = set(catalogue(lang))
        missing = {
            key: where
            for key, where in literal_keys().items()
            if ".".join(key.split(".")[:2]) in tables  # not a file name ("report.html.j2")
            and key not in known
            and not (f"{key}.one" in known and f"{key}.other" in known)
            and not any(k.startswith(key) for k in known)  # a prefix the code matches keys against
        }
        assert missing == {}, f"{lang}: keys written in the code but absent: {missing}"


def test_every_outbox_status_has_counted_words():
    from mediawatch.cli.send import COUNT_KEYS
    from mediawatch.types import OutboxStatus

    assert set(COUNT_KEYS) == set(OutboxStatus)
    for lang in LANGUAGES:
        for key in COUNT_KEYS.values():
            assert {f"{key}.one", f"{key}.other"} <= set(catalogue(lang)), (lang, key)


def test_every_nightly_stage_has_a_name():
    from mediawatch.nightly.outcome import STAGE_KEYS

    run = (PACKAGE / "nightly" / "run.py").read_text(encoding="utf-8")
    stages = set(re.findall(r"""job\.stage\(\s*"([a-z_]+)\"""", run))
    assert {"send", "watches"} <= stages
    assert stages <= set(STAGE_KEYS)


def test_every_send_outcome_that_is_a_problem_has_words():
    from mediawatch.nightly.stages import SEND_PROBLEM_KEYS

    # deliver.send.DueResult's outcomes: sent and busy are not problems.
    assert set(SEND_PROBLEM_KEYS) == {"refused", "error", "unfinished"}


def test_every_link_problem_has_words():
    from mediawatch.deliver.links import LINK_PROBLEM_KEYS, link_problem

    seen = {
        link_problem(url, https=True)
        for url in ("/relative", "https://a..b/", "http://10.0.0.1/", "http://example.org/", "https://a.org/")
    }
    assert seen - {""} == set(LINK_PROBLEM_KEYS)


def test_every_render_check_is_named_by_its_literal_key():
    tree = ast.parse((PACKAGE / "render" / "checks.py").read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "found"
    ]
    assert len(calls) > 15
    keys = [call.args[0].value for call in calls if isinstance(call.args[0], ast.Constant)]
    assert len(keys) == len(calls)  # nothing computed
    for lang in LANGUAGES:
        assert [key for key in keys if key not in catalogue(lang)] == [], lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_deferred_sources_agree_with_their_count(lang):
    from mediawatch.i18n import tn

    one, two = (tn("collect.deferred", n, lang, host="h", setting="s") for n in (1, 2))
    assert one != two


def test_no_template_builds_a_key():
    built = re.compile(r"""(?<![\w.])(?:_|t)\([^()]*~""")  # Jinja's concatenation inside _(...) or t(...)
    assert built.search("{{ _('web.status.' ~ status) }}")
    templates = [*(ROOT / "templates").rglob("*.j2"), *(PACKAGE / "web" / "templates").rglob("*.html")]
    assert len(templates) > 10
    holders = sorted(
        str(p.relative_to(ROOT)) for p in templates if built.search(p.read_text(encoding="utf-8"))
    )
    assert holders == []
