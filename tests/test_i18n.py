"""FR/EN/ES catalogues: same keys, same fields, nothing empty, every key used exists; UI language choice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import mediawatch.i18n as i18n
from mediawatch.cli import cli
from mediawatch.errors import ConfigError, TranslationError
from mediawatch.i18n import LANGUAGES, catalogue, fields_of, t, ui_language

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mediawatch"

# t("key"...), t('key'...), also as i18n.t(...); the key must be a literal for this scan to see it.
T_CALL = re.compile(r"""(?<![\w.])(?:i18n\.)?t\(\s*(?:f?)(["'])([A-Za-z0-9_.\-]+)\1""")
# Keys built at run time: a literal prefix plus a fixed set of names (cli/views.py: _table's headers).
DYNAMIC_PREFIX = re.compile(r"""(?<![\w.])t\(\s*f(["'])([A-Za-z0-9_.\-]*)\{""")

LOCALE_VARS = ("MEDIAWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def strict(monkeypatch):
    monkeypatch.setattr(i18n, "STRICT", True)


@pytest.fixture
def clean_env(monkeypatch):
    for name in LOCALE_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def all_keys() -> set[str]:
    return set().union(*(catalogue(lang) for lang in LANGUAGES))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_exists_in_every_language(lang):
    missing = sorted(all_keys() - set(catalogue(lang)))
    assert not missing, f"{lang}.toml is missing translation keys: {', '.join(missing)}"


@pytest.mark.parametrize("key", sorted(all_keys()))
def test_templates_have_the_same_fields_in_every_language(key):
    fields = {lang: fields_of(catalogue(lang)[key]) for lang in LANGUAGES if key in catalogue(lang)}
    reference = fields.get("en", next(iter(fields.values())))
    for lang, names in fields.items():
        assert names == reference, (
            f"{key!r} in {lang}.toml has fields {sorted(names)}, en.toml has {sorted(reference)}"
        )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_empty_translation(lang):
    empty = sorted(k for k, v in catalogue(lang).items() if not v.strip())
    assert not empty, f"{lang}.toml has empty values: {', '.join(empty)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_formats(lang, strict):
    for key, template in catalogue(lang).items():
        t(key, lang, **{name: "x" for name in fields_of(template)})


def used_keys() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    # the code, and the email/archive templates ({{ t('render.item.machine') }} in templates/**/*.j2)
    for path in [*sorted(PACKAGE.rglob("*.py")), *sorted((ROOT / "templates").rglob("*.j2"))]:
        text = path.read_text(encoding="utf-8")
        for match in T_CALL.finditer(text):
            found.setdefault(match.group(2), []).append(str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_cli_keys():
    keys = used_keys()
    assert "render.item.machine" in keys  # read from templates/partials/item.mjml.j2
    assert "error.prefix" in keys
    assert "sources.imported" in keys
    assert "title.health" in keys
    assert "count.sources" in counted_keys()  # tn("count.sources", n, lang): .one / .other


# tn("key", n, lang) and render's plural(...) wrapper: the catalogues hold "<key>.one" and "<key>.other".
COUNTED_CALL = re.compile(r"""(?<![\w.])(?:tn|plural)\(\s*(["'])([A-Za-z0-9_.\-]+)\1""")


def counted_keys() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for match in COUNTED_CALL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(2), []).append(str(path.relative_to(ROOT)))
    return found


def test_counted_keys_have_every_plural_form_and_agree_with_the_count():
    found = counted_keys()
    assert {"count.sources", "review.cli.users_title", "sources.health.stale", "compose.items"} <= set(found)
    for lang in LANGUAGES:
        known = set(catalogue(lang))
        forms = (f"{k}.{form}" for k in found for form in ("one", "other"))
        missing = sorted(f for f in forms if f not in known)
        assert not missing, f"{lang}: plural forms used but absent: {missing}"
    assert [i18n.tn("count.stories", n, "en") for n in (0, 1, 2)] == ["0 stories", "1 story", "2 stories"]
    assert [i18n.tn("count.stories", n, "fr") for n in (0, 1, 2)] == ["0 sujet", "1 sujet", "2 sujets"]
    assert [i18n.tn("count.stories", n, "es") for n in (0, 1, 2)] == ["0 noticias", "1 noticia", "2 noticias"]
    assert i18n.tn("retrain.decisions", 1, "fr") == "1 décision de la rédaction"
    assert i18n.tn("deliver.cli.exported", 1, "es", path="a.csv") == "1 suscriptor escrito en a.csv."


def test_every_key_used_in_the_code_exists():
    known = set(catalogue("en"))
    missing = {key: where for key, where in used_keys().items() if key not in known}
    assert not missing, f"t() keys used but absent from the catalogues: {missing}"


def test_dynamic_keys_are_only_column_headers():
    for path in sorted(PACKAGE.rglob("*.py")):
        for match in DYNAMIC_PREFIX.finditer(path.read_text(encoding="utf-8")):
            assert match.group(2) == "column.", f"{path}: unexpected computed key prefix {match.group(2)!r}"


def test_all_column_headers_used_exist():
    source = (PACKAGE / "cli" / "views.py").read_text(encoding="utf-8")
    # every tuple of column names handed to _table(...)
    names = set()
    for block in re.findall(r"columns = \(([^)]*)\)|_table\([^(]*\(([^)]*)\)", source):
        for part in block:
            names.update(re.findall(r'"([a-z_]+)"', part))
    assert {"id", "last_fetch", "also_in", "entries"} <= names
    for lang in LANGUAGES:
        missing = sorted(n for n in names if f"column.{n}" not in catalogue(lang))
        assert not missing, f"{lang}.toml lacks column headers: {missing}"


def test_fallback_to_english_and_strict_mode(monkeypatch):
    monkeypatch.setattr(i18n, "STRICT", False)
    monkeypatch.delenv("MEDIAWATCH_I18N_STRICT", raising=False)
    fr_only_en = dict(catalogue("fr"))
    del fr_only_en["common.never"]
    monkeypatch.setattr(i18n, "catalogue", lambda lang: fr_only_en if lang == "fr" else catalogue(lang))
    assert t("common.never", "fr") == "never"
    assert t("no.such.key", "fr") == "no.such.key"
    monkeypatch.setenv("MEDIAWATCH_I18N_STRICT", "1")
    with pytest.raises(TranslationError, match="common.never"):
        t("common.never", "fr")
    with pytest.raises(TranslationError, match="does not format"):
        t("title.classified", "en", wrong=1)


def test_translations_are_really_translated():
    assert t("title.health", "fr") == "état des sources"
    assert t("column.title", "fr") == "titre"
    assert t("column.title", "es") == "título"
    assert t("common.yes", "es") == "sí"
    assert t("error.prefix", "fr", message="x") == "erreur : x"
    assert t("column.region", "de") == "region"  # unknown language: English


def test_malformed_catalogue_is_a_config_error_naming_the_file(monkeypatch, tmp_path):
    (tmp_path / "fr.toml").write_text('[common]\nyes = "oui"\nno = \n', encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUE_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"fr\.toml"):
            i18n.catalogue("fr")
        (tmp_path / "fr.toml").write_text("[common]\nyes = 1\n", encoding="utf-8")
        i18n.catalogue.cache_clear()
        with pytest.raises(ConfigError, match=r"fr\.toml.*common\.yes"):
            i18n.catalogue("fr")
    finally:
        i18n.catalogue.cache_clear()


def test_ui_language_precedence(clean_env):
    env = clean_env
    assert ui_language() == "en"
    env.setenv("LANG", "es_ES.UTF-8")
    assert ui_language() == "es"
    env.setenv("LC_MESSAGES", "fr_CA.UTF-8")
    assert ui_language() == "fr"
    env.setenv("LC_ALL", "es_MX")
    assert ui_language() == "es"
    env.setenv("MEDIAWATCH_LANG", "fr")
    assert ui_language() == "fr"
    assert ui_language("es") == "es"
    assert ui_language("EN") == "en"
    assert ui_language("de") == "en"  # not fr/en/es: English
    env.setenv("MEDIAWATCH_LANG", "de_DE.UTF-8")
    assert ui_language() == "en"
    env.delenv("MEDIAWATCH_LANG")
    env.setenv("LC_ALL", "C.UTF-8")
    assert ui_language() == "en"
    env.setenv("LC_ALL", "")  # empty means unset: LC_MESSAGES decides
    assert ui_language() == "fr"


@pytest.fixture
def registry(tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "local.toml").write_text(
        '[[source]]\nid = "agro-blog"\nname = "Agro blog"\nurl = "https://agro.example/feed.xml"\n'
        'kind = "rss"\nlanguage = "fr"\nregion = "europe"\n',
        encoding="utf-8",
    )
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    return tmp_path


def run_cli(tmp: Path, *args: str, env: dict[str, str | None] | None = None):
    base: dict[str, str | None] = {name: None for name in LOCALE_VARS}
    base.update({"MEDIAWATCH_CONFIG": str(tmp / "empty.toml"), "MEDIAWATCH_DB": str(tmp / "db.sqlite3")})
    base.update(env or {})
    return CliRunner().invoke(cli, list(args), env=base, catch_exceptions=False)


@pytest.mark.parametrize(
    ("lang", "expected", "absent"),
    [
        ("fr", ["1 source ", "langue", "région", "vérifiée", "oui"], ["verified", "yes", "1 sources"]),
        ("es", ["1 fuente ", "idioma", "región", "verificada", "sí"], ["verified", "yes", "1 fuentes"]),
        ("en", ["1 source ", "lang", "region", "verified", "yes"], ["vérifiée", "verificada", "1 sources"]),
    ],
)
def test_cli_tables_speak_the_chosen_language(registry, strict, lang, expected, absent):
    feeds = str(registry / "feeds")
    result = run_cli(registry, "--lang", lang, "--feeds", feeds, "sources", "list")
    assert result.exit_code == 0, result.output
    for text in expected:
        assert text in result.output, (lang, text, result.output)
    for text in absent:
        assert text not in result.output, (lang, text, result.output)


def test_cli_language_from_environment_and_default(registry, strict):
    feeds = str(registry / "feeds")
    assert (
        "vérifiée"
        in run_cli(registry, "--feeds", feeds, "sources", "list", env={"LANG": "fr_FR.UTF-8"}).output
    )
    assert (
        "verificada"
        in run_cli(registry, "--feeds", feeds, "sources", "list", env={"MEDIAWATCH_LANG": "es"}).output
    )
    assert "verified" in run_cli(registry, "--feeds", feeds, "sources", "list").output
    # an unusable MEDIAWATCH_LANG is not fatal: English
    assert (
        "verified"
        in run_cli(registry, "--feeds", feeds, "sources", "list", env={"MEDIAWATCH_LANG": "de"}).output
    )


def test_cli_messages_and_errors_are_translated(registry, strict):
    feeds = str(registry / "feeds")
    result = run_cli(registry, "--lang", "fr", "--feeds", feeds, "sources", "disable", "agro-blog")
    assert result.exit_code == 0, result.output
    assert "agro-blog désactivée dans" in result.output
    result = run_cli(registry, "--lang", "es", "--config", str(registry / "nope.toml"), "sources", "list")
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    result = run_cli(registry, "--lang", "fr", "articles", "list", "--since", "mardi dernier")
    assert result.exit_code == 2
    assert "«\u00a0mardi dernier\u00a0» n'est pas une date" in result.output


def test_cli_json_output_is_not_translated(registry, strict):
    feeds = str(registry / "feeds")
    english = run_cli(registry, "--lang", "en", "--feeds", feeds, "sources", "list", "--json").output
    french = run_cli(registry, "--lang", "fr", "--feeds", feeds, "sources", "list", "--json").output
    assert english == french
    assert '"enabled": true' in french


def test_cli_rejects_an_unknown_lang_option(registry):
    result = run_cli(registry, "--lang", "de", "sources", "list")
    assert result.exit_code == 2
    assert "“de”" in result.output


def test_sources_list_lang_filter_is_not_the_ui_language(registry, strict):
    feeds = str(registry / "feeds")
    result = run_cli(registry, "--lang", "es", "--feeds", feeds, "sources", "list", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "0 fuentes" in result.output


def test_counted_cli_messages_agree_with_their_count():
    assert i18n.tn("retrain.decisions", 1, "fr") == "1 décision de la rédaction"
    assert i18n.tn("retrain.gold", 0, "en") == "0 labelled items"
    assert i18n.tn("deliver.cli.exported", 1, "es", path="a.csv") == "1 suscriptor escrito en a.csv."
    assert i18n.tn("sources.count.added", 1, "en") == "imported 1 source"
    assert i18n.tn("compose.filled", 1, "fr") == "1 texte traduit"


@pytest.mark.parametrize(
    ("lang", "action", "target"),
    [
        ("en", "preview link revoked", "preview link ab12"),
        ("fr", "lien d'aperçu révoqué", "lien d'aperçu ab12"),
        ("es", "enlace de vista previa revocado", "enlace de vista previa ab12"),
    ],
)
def test_a_revoked_preview_link_reads_in_the_audit_log_language(lang, action, target):
    from mediawatch.review.audit import action_label, target_label

    assert action_label("preview.revoke", lang) == action
    assert target_label("preview:ab12", lang) == target


def test_the_delivery_audit_actions_have_labels_in_every_language():
    from mediawatch.review.audit import action_label

    for action in ("send.now", "nightly.announced_to", "preview.revoke"):
        labels = {lang: action_label(action, lang) for lang in LANGUAGES}
        assert action not in labels.values(), labels
        assert len(set(labels.values())) == len(LANGUAGES), labels


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [
        ("en", "fr", "anglais"),
        ("en", "en", "English"),
        ("en", "es", "inglés"),
        ("ca", "es", "catalán"),
        ("DE", "fr", "allemand"),  # the code's case does not matter
        ("und", "fr", "langue inconnue"),
        ("und", "en", "unknown language"),
        ("und", "es", "idioma desconocido"),
        ("xx", "fr", "XX"),  # unknown code: itself, upper-case
        ("", "en", "–"),  # no code at all
    ],
)
def test_language_name_in_the_readers_words(strict, code, lang, name):
    assert i18n.language_name(code, lang) == name


def test_one_catalogue_names_every_language_the_project_knows():
    from mediawatch.classify.language import SHORT_SET
    from mediawatch.watch.add_fields import ADDABLE_LANGUAGES

    for lang in LANGUAGES:
        files = [path.name for path in i18n.catalogue_files(lang)]
        assert f"languages.{lang}.toml" in files  # so the missing-key and same-fields tests above cover it
        named = {key.removeprefix("language.") for key in catalogue(lang) if key.startswith("language.")}
        assert {*LANGUAGES, *ADDABLE_LANGUAGES, *SHORT_SET, "und"} <= named, lang
        # the old per-stage tables are gone: one name per language, in one place
        old = ("render.language.", "add.language.", "report.language.")
        assert not [key for key in catalogue(lang) if key.startswith(old)]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("deliver.count.messages", {"en": ("1 message", "2 messages"), "fr": ("1 message", "2 messages"),
                                    "es": ("1 mensaje", "2 mensajes")}),
        ("deliver.count.sent", {"en": ("1 sent", "2 sent"), "fr": ("1 envoyé", "2 envoyés"),
                                "es": ("1 enviado", "2 enviados")}),
        ("deliver.count.hard", {"en": ("1 hard bounce", "2 hard bounces"),
                                "fr": ("1 rejet définitif", "2 rejets définitifs"),
                                "es": ("1 rebote definitivo", "2 rebotes definitivos")}),
        ("nightly.mail.failures", {"en": ("1 failure in a row", "2 failures in a row"),
                                   "fr": ("1 échec consécutif", "2 échecs consécutifs"),
                                   "es": ("1 fallo seguido", "2 fallos seguidos")}),
    ],
)  # fmt: skip
def test_counted_words_of_sending_bounces_and_failing_sources_agree_with_their_number(key, expected):
    from mediawatch.i18n import tn

    for lang, (one, two) in expected.items():
        assert (tn(key, 1, lang), tn(key, 2, lang)) == (one, two)
    assert tn(key, 0, "fr") == expected["fr"][0].replace("1", "0", 1)  # French: 0 takes the singular
