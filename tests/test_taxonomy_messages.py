"""A team's broken taxonomy says what is wrong in the reader's language (French, English, Spanish).

A team points ``taxonomy_dir`` (``[classify]`` of the config, or ``MEDIAWATCH_TAXONOMY_DIR``) at its own copy
of the four files; a mistake in them reaches a person through `mediawatch classify` (and every command that
classifies: `nightly`, `articles add`, the workers), as one line on stderr and exit code 2. Each case breaks a
copy of the packaged taxonomy in one way the loader checks and runs `classify --jsonl` (no database needed)
in English, where the English words are really there, then in French and Spanish, where they are not: every
language names the file, the line where there is one, and the place in the file (the table and key).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediawatch.classify.taxonomy import DEFAULT_DIR, load_taxonomy
from mediawatch.cli import cli
from mediawatch.errors import ConfigError
from mediawatch.i18n import LANGUAGES, catalogue, t

ROOT = Path(__file__).resolve().parents[1]
LOCALE_VARS = ("MEDIAWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")
LINE_WORD = {"en": "line", "fr": "ligne", "es": "línea"}


@pytest.fixture
def tax_dir(tmp_path: Path) -> Path:
    """A writable copy of the packaged taxonomy."""
    target = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, target)
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    return target


def run(tax_dir: Path, lang: str, *args: str, stdin: str = ""):
    env: dict[str, str | None] = {name: None for name in LOCALE_VARS}
    env |= {
        "MEDIAWATCH_CONFIG": str(tax_dir.parent / "empty.toml"),
        "MEDIAWATCH_DB": str(tax_dir.parent / "db.sqlite3"),
        "MEDIAWATCH_TAXONOMY_DIR": str(tax_dir),
        "MEDIAWATCH_I18N_STRICT": "1",  # a key missing from a catalogue fails the test
    }
    return CliRunner().invoke(cli, ["--lang", lang, *args], env=env, input=stdin, catch_exceptions=False)


def edit(tax_dir: Path, name: str, old: str, new: str) -> int:
    """Replace the first ``old`` of file ``name`` by ``new``; the line where ``new`` starts."""
    path = tax_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text.count("\n", 0, at) + 1


@dataclass(frozen=True)
class Break:
    file: str
    old: str
    new: str
    place: str  # the table/key named in every language
    english: str  # words of the English message, absent from the French and Spanish ones
    line_offset: int | None = 0  # the line said: where ``new`` starts plus this; None: no line to say


BREAKS = {
    "table header not closed": Break(
        "themes.toml", "[themes.science]", "[themes.science", "", "a table header is not closed"
    ),
    "duplicate concept": Break(
        "relevance.toml",
        "[concepts.carbon_market]",
        '[concepts.soil_carbon]\nkind = "core"\nweight = 1.0\nen = ["x"]\n\n[concepts.carbon_market]',
        "[concepts.soil_carbon]",
        "is declared twice",
    ),
    "duplicate country": Break(
        "regions.toml",
        "\nKE = {",
        '\nKE = { region = "africa", names = ["Kenya"] }\nKE = {',
        "KE",
        "is given twice in the same table",
        line_offset=2,
    ),
    "string not closed": Break(
        "relevance.toml", 'description = "Carbon held in soils', 'description = "Carbon held\n', "", "quote"
    ),
    "misspelt key": Break(
        "relevance.toml",
        'kind = "core"\nweight = 3.0',
        'kind = "core"\nwieght = 3.0',
        "concepts.soil_carbon",
        "unknown key “wieght”",
        line_offset=1,
    ),
    "unknown top-level table": Break(
        "themes.toml", "[settings]", "[setings]", "setings", "unknown key “setings”"
    ),
    "threshold not a number": Break(
        "relevance.toml", "threshold = 0.5", 'threshold = "high"', "settings.threshold", "must be a number"
    ),
    "threshold out of range": Break(
        "relevance.toml", "threshold = 0.5", "threshold = 1.5", "settings.threshold", "is outside [0.0, 1.0]"
    ),
    "veto not a boolean": Break(
        "relevance.toml",
        'kind = "core"\nweight = 3.0',
        'kind = "negative"\nveto = "yes"\nweight = -3.0',
        "concepts.soil_carbon.veto",
        "must be true or false",
        line_offset=1,
    ),
    "unknown kind": Break(
        "relevance.toml",
        'kind = "core"\nweight = 3.0',
        'kind = "central"\nweight = 3.0',
        "concepts.soil_carbon.kind",
        "must be one of core, support, context, negative",
    ),
    "negative weight on a core concept": Break(
        "relevance.toml",
        'kind = "core"\nweight = 3.0',
        'kind = "core"\nweight = -3.0',
        "concepts.soil_carbon",
        "negative concept",
        line_offset=1,
    ),
    "terms not a list": Break(
        "relevance.toml",
        'en = ["soil carbon",',
        'en = "soil carbon"\nxx = ["soil carbon",',
        "concepts.soil_carbon.en",
        "must be a list of terms",
    ),
    "empty term": Break(
        "relevance.toml", 'en = ["soil carbon",', 'en = ["",', "concepts.soil_carbon.en", "empty term"
    ),
    "stopword-only term": Break(
        "relevance.toml",
        'en = ["soil carbon",',
        'en = ["the of",',
        "concepts.soil_carbon.en",
        "the term “the of” has no words",
    ),
    "term table without its term": Break(
        "relevance.toml",
        '{ term = "SOC", weight = 1.5 }',
        '{ trem = "SOC", weight = 1.5 }',
        "concepts.soil_carbon.en",
        "a term written as a table needs",
    ),
    "term of the wrong type": Break(
        "relevance.toml",
        'en = ["soil carbon",',
        'en = [42, "soil carbon",',
        "concepts.soil_carbon.en",
        "a term must be a text in quotes",
    ),
    "unknown required concept": Break(
        "relevance.toml",
        'requires = ["soil_word", "soil_health"',
        'requires = ["soil_wrod", "soil_health"',
        "requires",
        "unknown concept “soil_wrod”",
    ),
    "concept name in capitals": Break(
        "relevance.toml",
        "[concepts.soil_carbon]",
        "[concepts.Soil_carbon]",
        "concepts.Soil_carbon",
        "concept names are lowercase letters",
    ),
    "stopwords of no language": Break(
        "relevance.toml", 'fr = ["le", "la"', 'french = ["le", "la"', "stopwords", "is not a language code"
    ),
    "unknown theme": Break(
        "themes.toml", "[themes.events]", "[themes.sports]", "themes.sports", "unknown theme"
    ),
    "theme's unknown concept": Break(
        "themes.toml",
        "[themes.events]\n",
        '[themes.events]\nconcepts = ["soil_carbn"]\n',
        "themes.events.concepts",
        "unknown concept “soil_carbn”",
        line_offset=1,
    ),
    "unknown region": Break(
        "regions.toml",
        '\nKE = { region = "africa"',
        '\nKE = { region = "afrika"',
        "countries.KE.region",
        "must be one of",
        line_offset=1,
    ),
    "country not an ISO code": Break(
        "regions.toml",
        '\nKE = { region = "africa"',
        '\nKenya = { region = "africa"',
        "countries.Kenya",
        "countries are keyed by",
        line_offset=1,
    ),
    "objective code": Break(
        "objectives.toml",
        "[objectives.A5]",
        "[objectives.market]",
        "objectives.market",
        "a capital letter and a number",
    ),
    "objective without description": Break(
        "objectives.toml",
        'description = "Carbon markets',
        'summary = "Carbon markets',
        "objectives.A5",
        "unknown key “summary”",
    ),
    "objective's unknown theme": Break(
        "objectives.toml",
        'themes = ["finance_markets"]',
        'themes = ["finance"]',
        "objectives.A5",
        "unknown theme “finance”",
    ),
}


@pytest.mark.parametrize("name", BREAKS)
def test_a_broken_taxonomy_is_said_in_the_readers_language(tax_dir, name):
    case = BREAKS[name]
    line = edit(tax_dir, case.file, case.old, case.new)
    said = {lang: run(tax_dir, lang, "classify", "--jsonl") for lang in LANGUAGES}
    assert case.english in said["en"].output, said["en"].output
    for lang, result in said.items():
        output = result.output
        assert result.exit_code == 2, (lang, output)
        assert "Traceback" not in output
        assert output.startswith(t("error.prefix", lang, message="")), (lang, output)
        assert len(output.strip().splitlines()) == 1, (lang, output)
        assert str(tax_dir / case.file) in output, (lang, output)
        assert case.place in output, (lang, output)
        if case.line_offset is not None:
            assert f"{LINE_WORD[lang]} {line + case.line_offset}:" in output.replace(" :", ":"), (
                lang,
                output,
            )
        if lang != "en":
            assert case.english not in output, (lang, output)
            assert "taxonomy " not in output, (lang, output)  # the word, not the folder's name


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "line 45: concepts.soil_carbon: unknown key “wieght” (allowed: description, kind, requires, "
               "veto, weight, or a language code: English (en), French (fr), Spanish (es), or any for every "
               "language)"),
        ("fr", "ligne 45 : concepts.soil_carbon : clé inconnue «\u00a0wieght\u00a0» (clés permises : "
               "description, kind, requires, veto, weight, ou un code de langue : anglais (en), "
               "français (fr), espagnol (es), ou any pour toutes les langues)"),
        ("es", "línea 45: concepts.soil_carbon: clave desconocida «wieght» (claves permitidas: "
               "description, kind, requires, veto, weight, o un código de idioma: inglés (en), "
               "francés (fr), español (es), o any para todos los idiomas)"),
    ],
)  # fmt: skip
def test_an_unknown_key_lists_the_allowed_ones_and_the_languages_by_name(tax_dir, lang, words):
    edit(tax_dir, "relevance.toml", 'kind = "core"\nweight = 3.0', 'kind = "core"\nwieght = 3.0')
    result = run(tax_dir, lang, "classify", "--jsonl")
    assert words in result.output, result.output


# A value at fault is said as a sentence, with its article, as the registry and the settings say theirs
# ("le champ url doit être…", "el ajuste … debe ser…"), not "concepts.soil_carbon.veto doit valoir…".
FIELD_BREAKS = (
    "threshold not a number",
    "threshold out of range",
    "veto not a boolean",
    "unknown kind",
    "terms not a list",
    "unknown region",
)
FIELD_ARTICLE = {"fr": "le champ ", "es": "el campo "}


@pytest.mark.parametrize("name", FIELD_BREAKS)
@pytest.mark.parametrize("lang", sorted(FIELD_ARTICLE))
def test_a_field_at_fault_is_named_with_its_article(tax_dir, name, lang):
    case = BREAKS[name]
    edit(tax_dir, case.file, case.old, case.new)
    output = run(tax_dir, lang, "classify", "--jsonl").output
    assert FIELD_ARTICLE[lang] + case.place in output, output


@pytest.mark.parametrize(
    "key",
    ["not_a_table", "not_a_number", "out_of_range", "too_small", "not_boolean", "not_strings",
     "terms_not_list", "bad_kind", "bad_region"],
)  # fmt: skip
@pytest.mark.parametrize("lang", sorted(FIELD_ARTICLE))
def test_every_message_about_a_field_starts_with_its_article(key, lang):
    fields = {"where": "w", "key": "k", "value": "v", "low": 0, "high": 1, "known": "a, b"}
    assert t(f"taxonomy.{key}", lang, **fields).startswith(FIELD_ARTICLE[lang] + "w"), key


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "taxonomy {path}, line 45: concepts.soil_carbon: only a negative concept "
               "(kind = \"negative\") has a weight below 0, and it must have one"),
        ("fr", "taxonomie {path}, ligne 45 : concepts.soil_carbon : seul un concept négatif "
               "(kind = \"negative\") a un poids inférieur à 0, et il doit en avoir un"),
        ("es", "taxonomía {path}, línea 45: concepts.soil_carbon: solo un concepto negativo "
               "(kind = \"negative\") tiene un peso menor que 0, y debe tenerlo"),
    ],
)  # fmt: skip
def test_a_rule_between_two_keys_is_said_whole(tax_dir, lang, words):
    edit(tax_dir, "relevance.toml", 'kind = "core"\nweight = 3.0', 'kind = "core"\nweight = -3.0')
    result = run(tax_dir, lang, "classify", "--jsonl")
    assert words.format(path=tax_dir / "relevance.toml") in result.output, result.output


def test_a_missing_file_a_missing_folder_and_a_file_not_in_utf8(tax_dir):
    (tax_dir / "objectives.toml").unlink()
    missing = {lang: run(tax_dir, lang, "classify", "--jsonl").output for lang in LANGUAGES}
    assert f"taxonomy {tax_dir / 'objectives.toml'}: file is missing" in missing["en"]
    assert f"taxonomie {tax_dir / 'objectives.toml'} : le fichier est absent" in missing["fr"]
    assert f"taxonomía {tax_dir / 'objectives.toml'}: falta el archivo" in missing["es"]

    shutil.copy(DEFAULT_DIR / "objectives.toml", tax_dir)
    (tax_dir / "regions.toml").write_bytes("AO = 'Angola é'\n".encode("latin-1"))
    latin = {lang: run(tax_dir, lang, "classify", "--jsonl").output for lang in LANGUAGES}
    assert "regions.toml: the file is not UTF-8 text" in latin["en"]
    assert "regions.toml : le fichier n'est pas du texte UTF-8" in latin["fr"]
    assert "regions.toml: el archivo no es texto UTF-8" in latin["es"]

    shutil.rmtree(tax_dir)
    gone = {lang: run(tax_dir, lang, "classify", "--jsonl") for lang in LANGUAGES}
    assert gone["en"].exit_code == gone["fr"].exit_code == 2
    english = f"the taxonomy folder {tax_dir} does not exist or is not a folder (setting taxonomy_dir, or "
    assert english + "MEDIAWATCH_TAXONOMY_DIR)" in gone["en"].output
    assert f"le dossier de la taxonomie {tax_dir} n'existe pas ou n'est pas un dossier (réglage " in (
        gone["fr"].output
    )
    assert f"la carpeta de la taxonomía {tax_dir} no existe o no es una carpeta (ajuste " in gone["es"].output


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "line {line}: invalid TOML at column 22: the table [concepts.soil_carbon] is declared twice"),
        ("fr", "ligne {line} : TOML invalide à la colonne 22 : la table [concepts.soil_carbon] est déclarée "
               "deux fois"),
        ("es", "línea {line}: TOML no válido en la columna 22: la tabla [concepts.soil_carbon] está "
               "declarada dos veces"),
    ],
)  # fmt: skip
def test_a_duplicate_id_is_said_with_its_line_and_column(tax_dir, lang, words):
    line = edit(tax_dir, "relevance.toml", "[concepts.carbon_market]", BREAKS["duplicate concept"].new)
    result = run(tax_dir, lang, "classify", "--jsonl")
    assert result.exit_code == 2, result.output
    assert words.format(line=line) in result.output, result.output


def test_the_error_keeps_its_english_text_for_logs_and_its_words_for_any_reader(tax_dir):
    edit(tax_dir, "regions.toml", '\nKE = { region = "africa"', '\nKE = { region = "afrika"')
    with pytest.raises(ConfigError) as info:
        load_taxonomy(tax_dir)
    assert "countries.KE.region must be one of africa" in str(info.value)
    french, spanish = info.value.translated("fr"), info.value.translated("es")
    assert "le champ countries.KE.region doit valoir l'une de ces régions : africa" in french
    assert "el campo countries.KE.region debe ser una de estas regiones: africa" in spanish
    assert info.value.exit_code == 2


def test_a_nightly_run_says_the_taxonomy_problem_in_the_readers_language(tax_dir):
    edit(tax_dir, "relevance.toml", "threshold = 0.5", "threshold = 1.5")
    (tax_dir.parent / "feeds").mkdir()
    result = run(tax_dir, "fr", "--feeds", str(tax_dir.parent / "feeds"), "nightly")
    said = [line for line in result.output.splitlines() if not line.startswith("{")]  # not the JSON logs
    expected = "le champ settings.threshold vaut 1.5, hors de l'intervalle [0.0, 1.0]"
    assert any(expected in line for line in said), said
    assert not any("is outside" in line for line in said), said


def test_the_command_line_prints_one_line_and_no_traceback(tax_dir):
    """The real process: stderr, exit code, nothing else."""
    edit(tax_dir, "relevance.toml", "threshold = 0.5", "threshold = 1.5")
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "MEDIAWATCH_CONFIG": str(tax_dir.parent / "empty.toml"),
        "MEDIAWATCH_DB": str(tax_dir.parent / "db.sqlite3"),
        "MEDIAWATCH_TAXONOMY_DIR": str(tax_dir),
        "MEDIAWATCH_LANG": "es",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from mediawatch.cli import cli; cli()", "classify"],
        env=env,
        capture_output=True,
        text=True,
        input="",
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"error: taxonomía {tax_dir / 'relevance.toml'}, línea ")
    assert "el campo settings.threshold vale 1.5, fuera del intervalo [0.0, 1.0]" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_every_taxonomy_key_the_loader_uses_is_in_every_catalogue():
    """Keys reach the catalogue through Message(...) and said(...), which tests/test_i18n.py does not scan."""
    keys: set[str] = set()
    for name in ("taxonomy.py", "taxonomy_checks.py"):
        source = (ROOT / "mediawatch" / "classify" / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r"""["'](taxonomy\.[a-z0-9_.]+)["']""", source))
    assert len(keys) >= 30
    for lang in LANGUAGES:
        missing = sorted(k for k in keys if k not in catalogue(lang))
        assert not missing, (lang, missing)


# -- mediawatch taxonomy check: validate an edit without running a job -------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "taxonomy {path} is valid: 33 concepts, 8 themes, 7 objectives; {terms} terms in English, "
               "Spanish and French."),
        ("fr", "taxonomie {path} valide : 33 concepts, 8 thèmes, 7 objectifs ; {terms} termes en anglais, "
               "espagnol et français."),
        ("es", "taxonomía {path} válida: 33 conceptos, 8 temas, 7 objetivos; {terms} términos en inglés, "
               "español y francés."),
    ],
)  # fmt: skip
def test_taxonomy_check_says_in_words_what_a_valid_folder_holds(tax_dir, lang, words):
    terms = len(load_taxonomy(tax_dir).terms)
    named = run(tax_dir, lang, "taxonomy", "check", str(tax_dir))
    assert named.exit_code == 0, named.output
    assert named.output == words.format(path=tax_dir, terms=terms) + "\n"
    # without a folder: the one the settings name (taxonomy_dir, here MEDIAWATCH_TAXONOMY_DIR)
    assert run(tax_dir, lang, "taxonomy", "check").output == named.output
    assert not (tax_dir.parent / "db.sqlite3").exists()  # no database is opened, none is created


def test_taxonomy_check_without_a_setting_checks_the_packaged_folder(tax_dir):
    env = {name: None for name in (*LOCALE_VARS, "MEDIAWATCH_TAXONOMY_DIR")}
    env["MEDIAWATCH_CONFIG"] = str(tax_dir.parent / "empty.toml")
    result = CliRunner().invoke(cli, ["taxonomy", "check"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"taxonomy {DEFAULT_DIR} is valid: ")


@pytest.mark.parametrize("name", ["misspelt key", "duplicate country", "unknown region"])
def test_taxonomy_check_says_what_is_wrong_and_exits_2(tax_dir, name):
    case = BREAKS[name]
    line = edit(tax_dir, case.file, case.old, case.new) + (case.line_offset or 0)
    for lang in LANGUAGES:
        result = run(tax_dir, lang, "taxonomy", "check", str(tax_dir))
        assert result.exit_code == 2, result.output
        assert result.output.startswith(t("error.prefix", lang, message=""))
        assert f"{tax_dir / case.file}, {LINE_WORD[lang]} {line}" in result.output, result.output
        assert case.place in result.output
        assert (case.english in result.output) == (lang == "en"), result.output


def test_taxonomy_check_of_a_folder_that_is_not_there(tmp_path):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    result = run(tmp_path / "taxonomy", "es", "taxonomy", "check", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert f"la carpeta de la taxonomía {tmp_path / 'nowhere'} no existe" in result.output
