"""The translation layer against a local LibreTranslate endpoint.

No live translation service is reachable here, so the hostile server speaks the LibreTranslate protocol
(``POST /translate`` with q/source/target/format/api_key in the query string, a form or a JSON body ->
``{"translatedText": ...}``; q may be a list; ``GET /languages``) and deep-translator's own
``LibreTranslator`` is pointed at it.  Every socket connection other than 127.0.0.1 fails the test.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hostile_server import HostileServer, Request, Response

from mediawatch.errors import ConfigError, TranslateError
from mediawatch.translate.cache import MemoryCache, TranslationResult, text_key, translate_cached
from mediawatch.translate.glossary import Glossary, default_glossary, load_glossary
from mediawatch.translate.provider import MAX_TIMEOUT, NoTranslator, make_translator

WORDS = {
    "the": "le",
    "soil": "sol",
    "carbon": "carbone",
    "and": "et",
    "initiative": "initiative",
    "with": "avec",
}


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] != "127.0.0.1":
            raise AssertionError(f"network access outside 127.0.0.1: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


def fake_translate(text: str) -> str:
    return " ".join(WORDS.get(word.lower(), word) for word in text.split(" "))


def libre_params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(urlsplit(request.path).query).items()}
    ctype = request.headers.get("content-type", "")
    if "json" in ctype:
        params.update(json.loads(request.body))
    elif request.body:
        params.update({k: v[-1] for k, v in parse_qs(request.body.decode()).items()})
    return params


def libre_endpoint(transform: Callable[[str], str] = fake_translate) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        if request.method != "POST":
            return Response(405)
        params = libre_params(request)
        if not {"q", "source", "target"} <= params.keys():
            return Response(400, b'{"error": "Invalid request: missing q"}')
        q = params["q"]
        answer = [transform(x) for x in q] if isinstance(q, list) else transform(q)
        body = json.dumps({"translatedText": answer}).encode()
        return Response(200, body, {"Content-Type": "application/json"})

    return handler


def languages(_request: Request) -> Response:
    body = [
        {"code": c, "name": n, "targets": ["en", "fr", "es"]}
        for c, n in [("en", "English"), ("fr", "French"), ("es", "Spanish")]
    ]
    return Response(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


@pytest.fixture
def libre(hostile_server: HostileServer) -> HostileServer:
    hostile_server.add_route("/translate", libre_endpoint())
    hostile_server.add_route("/languages", languages)
    return hostile_server


def translate_posts(server: HostileServer) -> list[str]:
    return [r.path for r in server.requests if r.method == "POST" and r.path.startswith("/translate")]


# -- provider ---------------------------------------------------------------------------------------


def test_libretranslate_round_trip(libre: HostileServer) -> None:
    translator = make_translator("libretranslate", url=libre.url("/"), api_key="secret", timeout=60)
    assert translator.translate(["the soil", "carbon and soil"], "en", "fr") == ["le sol", "carbone et sol"]
    posts = translate_posts(libre)
    assert len(posts) == 2
    params = {k: v[-1] for k, v in parse_qs(urlsplit(posts[0]).query).items()}
    assert params == {"q": "the soil", "source": "en", "target": "fr", "format": "text", "api_key": "secret"}


def test_local_endpoint_speaks_the_protocol(libre: HostileServer) -> None:
    """The stand-in itself: JSON body with a list of q, form body, /languages."""
    import requests

    answer = requests.post(
        libre.url("/translate"),
        json={"q": ["soil", "the carbon"], "source": "en", "target": "fr", "format": "text"},
        timeout=60,
    )
    assert answer.json() == {"translatedText": ["sol", "le carbone"]}
    answer = requests.post(
        libre.url("/translate"), data={"q": "soil", "source": "en", "target": "fr"}, timeout=60
    )
    assert answer.json() == {"translatedText": "sol"}
    assert {x["code"] for x in requests.get(libre.url("/languages"), timeout=60).json()} == {"en", "fr", "es"}


@pytest.mark.parametrize(
    ("response", "cause"),
    [
        (Response(429, b'{"error": "Slowdown"}', {"Retry-After": "30"}), "HTTP 429"),
        (Response(500, b"Internal Server Error"), "HTTP 500"),
        (Response(503, b""), "HTTP 503"),
        (
            Response(200, b"<html>not json</html>", {"Content-Type": "text/html"}),
            "malformed answer (not JSON)",
        ),
        (Response(200, b'{"error": "nope"}', {"Content-Type": "application/json"}), "malformed answer"),
        (Response(200, b'["a", "b"]', {"Content-Type": "application/json"}), "malformed answer"),
        (Response(200, b"{}", {"Content-Type": "application/json"}), "empty answer"),
        (Response(200, b'{"translatedText": ""}', {"Content-Type": "application/json"}), "empty answer"),
        (Response(200, b'{"translatedText": 42}', {"Content-Type": "application/json"}), "malformed answer"),
        (Response(403, b'{"error": "Invalid API key"}'), "key was refused"),
    ],
)
def test_provider_failures_become_translate_error(
    hostile_server: HostileServer, response: Response, cause: str
) -> None:
    hostile_server.add_route("/translate", response)
    translator = make_translator("libretranslate", url=hostile_server.url("/"), api_key="secret", timeout=60)
    with pytest.raises(TranslateError) as caught:
        translator.translate(["soil"], "en", "fr")
    message = str(caught.value)
    assert "libretranslate" in message
    assert cause in message
    assert "secret" not in message


def test_slow_provider_times_out(hostile_server: HostileServer) -> None:
    body = b'{"translatedText": "sol"}'
    hostile_server.add_route(
        "/translate", Response(200, [body], {"Content-Length": str(len(body))}, chunk_delay=3.0)
    )
    translator = make_translator("libretranslate", url=hostile_server.url("/"), timeout=0.3)
    with pytest.raises(TranslateError, match=r"no answer within 0\.3 s"):
        translator.translate(["soil"], "en", "fr")


def test_connection_refused() -> None:
    translator = make_translator("libretranslate", url="http://127.0.0.1:1/", timeout=60)
    with pytest.raises(TranslateError, match="cannot connect"):
        translator.translate(["soil"], "en", "fr")


def test_none_provider_keeps_text(libre: HostileServer) -> None:
    translator = make_translator("none")
    assert translator.translate(["the soil"], "en", "fr") == ["the soil"]
    results = translate_cached(["the soil"], "en", "fr", translator, MemoryCache())
    assert results == [TranslationResult("the soil", machine=False, cached=False)]
    assert translate_posts(libre) == []


def test_make_translator_configuration() -> None:
    for name in ("google", "mymemory", "none", "LibreTranslate "):
        assert make_translator(name, url="http://127.0.0.1:1") is not None  # built offline
    assert make_translator("deepl", api_key="k:fx") is not None
    with pytest.raises(ConfigError, match="unknown translation provider 'babel'"):
        make_translator("babel")
    with pytest.raises(ConfigError, match="needs a url"):
        make_translator("libretranslate")
    with pytest.raises(ConfigError, match="needs an API key"):
        make_translator("deepl")
    with pytest.raises(ConfigError, match="positive"):
        make_translator("none", timeout=0)
    assert make_translator("libretranslate", url="http://x", timeout=1e6)._timeout == MAX_TIMEOUT  # type: ignore[attr-defined]


def test_unsupported_language_is_translate_error() -> None:
    translator = make_translator("libretranslate", url="http://127.0.0.1:1/")
    with pytest.raises(TranslateError, match="not supported"):
        translator.translate(["soil"], "en", "xx-klingon")


# -- glossary ---------------------------------------------------------------------------------------


def test_glossary_maps_fixed_forms() -> None:
    glossary = default_glossary()
    for source_text, target, expected in [
        ("L'initiative 4 pour 1000 et la FAO", "es", "4 por 1000"),
        ("The 4 per 1,000 initiative", "fr", "4 pour 1000"),
        ("La iniciativa 4 POR 1000", "en", "4 per 1000"),
        ("L'initiative 4  pour\u00a01000", "en", "4 per 1000"),
    ]:
        shielded = glossary.protect(source_text, target)
        assert "1000" not in shielded.text.replace("1,000", "")
        assert expected in glossary.restore(shielded.text, shielded)


def test_glossary_names_whole_words_and_case() -> None:
    glossary = default_glossary()
    shielded = glossary.protect("CIRAD, INRAE (IICA) and CGIAR; not CIRADX nor fao", "fr")
    assert [slot.replacement for slot in shielded.slots] == ["CIRAD", "INRAE", "IICA", "CGIAR"]
    assert "CIRADX" in shielded.text
    assert "fao" in shielded.text


def test_glossary_tolerates_mangled_placeholders() -> None:
    glossary = default_glossary()
    shielded = glossary.protect("the FAO and the 4 per 1000 initiative", "fr")
    assert shielded.text == "the [[T0]] and the [[T1]] initiative"
    mangled = "la[[ t 0 ]]et l'initiative [T1]]"
    assert glossary.restore(mangled, shielded) == "la FAO et l'initiative 4 pour 1000"


def test_glossary_lost_placeholder_is_error() -> None:
    glossary = default_glossary()
    shielded = glossary.protect("the FAO", "fr")
    with pytest.raises(TranslateError, match="lost protected term"):
        glossary.restore("la", shielded)
    with pytest.raises(TranslateError, match="unknown placeholder"):
        glossary.restore("la [[T0]] [[T7]]", shielded)


def test_glossary_file_errors(tmp_path: Any) -> None:
    bad = tmp_path / "g.toml"
    bad.write_text("[[term]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML at line 1"):
        load_glossary(bad)
    bad.write_text("[[term]]\nen = 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="term 1"):
        load_glossary(bad)
    with pytest.raises(ConfigError, match="cannot read the glossary"):
        load_glossary(tmp_path / "missing.toml")
    good = tmp_path / "ok.toml"
    good.write_text('[[term]]\nen = "soil health"\nfr = "santé des sols"\n[names]\nkeep = ["ACME"]\n')
    glossary = load_glossary(good)
    shielded = glossary.protect("ACME on soil health", "fr")
    assert glossary.restore(shielded.text, shielded) == "ACME on santé des sols"


def test_glossary_end_to_end(libre: HostileServer) -> None:
    translator = make_translator("libretranslate", url=libre.url("/"), timeout=60)
    [result] = translate_cached(
        ["the 4 per 1000 initiative with FAO and CIRAD"], "en", "fr", translator, MemoryCache()
    )
    assert result == TranslationResult(
        "le 4 pour 1000 initiative avec FAO et CIRAD", machine=True, cached=False
    )
    sent = parse_qs(urlsplit(translate_posts(libre)[0]).query)["q"][0]
    assert "FAO" not in sent
    assert "1000" not in sent
    assert "[[T0]]" in sent


def test_glossary_end_to_end_mangling_provider(hostile_server: HostileServer) -> None:
    def mangle(text: str) -> str:
        return fake_translate(text).replace("[[T0]] ", "[[ T0]]").replace(" [[T1]]", "[[T 1 ]]")

    hostile_server.add_route("/translate", libre_endpoint(mangle))
    translator = make_translator("libretranslate", url=hostile_server.url("/"), timeout=60)
    [result] = translate_cached(["the FAO soil and 4 pour 1000"], "fr", "en", translator, MemoryCache())
    assert result.error is None
    assert result.text == "le FAO sol et 4 per 1000"


def test_glossary_loss_keeps_original(hostile_server: HostileServer) -> None:
    hostile_server.add_route("/translate", libre_endpoint(lambda text: "perdu"))
    translator = make_translator("libretranslate", url=hostile_server.url("/"), timeout=60)
    cache = MemoryCache()
    [result] = translate_cached(["the FAO"], "en", "fr", translator, cache)
    assert result.text == "the FAO"
    assert not result.machine
    assert "lost protected term" in (result.error or "")
    assert cache.entries == {}


# -- cache ------------------------------------------------------------------------------------------


def test_text_key_is_normalised_and_provider_independent() -> None:
    assert text_key("Caf\u00e9  au\nlait ", "EN", "fr") == text_key("Cafe\u0301 au lait", "en", "fr")
    assert text_key("soil", "en", "fr") != text_key("soil", "en", "es")
    assert text_key("soil", "en", "fr") != text_key("soil", "fr", "en")
    assert len(text_key("soil", "en", "fr")) == 64


def test_cache_prevents_second_request(libre: HostileServer) -> None:
    translator = make_translator("libretranslate", url=libre.url("/"), timeout=60)
    cache = MemoryCache()
    first = translate_cached(["the soil", "carbon", "the soil"], "en", "fr", translator, cache)
    assert [r.text for r in first] == ["le sol", "carbone", "le sol"]
    assert all(r.machine and not r.cached for r in first)
    assert len(translate_posts(libre)) == 2  # the duplicate was sent once
    second = translate_cached(["the  soil", "carbon"], "en", "fr", translator, cache)
    assert [(r.text, r.machine, r.cached) for r in second] == [
        ("le sol", True, True),
        ("carbone", True, True),
    ]
    assert len(translate_posts(libre)) == 2


def test_same_language_and_empty_untouched(libre: HostileServer) -> None:
    translator = make_translator("libretranslate", url=libre.url("/"), timeout=60)
    results = translate_cached(["the soil", ""], "fr", "FR", translator, MemoryCache())
    assert results == [TranslationResult("the soil", False, False), TranslationResult("", False, False)]
    assert translate_cached([" "], "en", "fr", translator, MemoryCache())[0].text == " "
    assert translate_posts(libre) == []


def test_failure_keeps_original_and_retry_fills_gap(hostile_server: HostileServer) -> None:
    hostile_server.add_route("/translate", Response(500, b"boom"))
    translator = make_translator("libretranslate", url=hostile_server.url("/"), timeout=60)
    cache = MemoryCache()
    texts = [f"soil {n}" for n in range(5)]
    results = translate_cached(texts, "en", "fr", translator, cache, batch_size=2)
    assert [r.text for r in results] == texts
    assert all(not r.machine and r.error and "HTTP 500" in r.error for r in results)
    assert "not sent after an earlier failure" in (results[4].error or "")
    assert len(translate_posts(hostile_server)) == 1  # later batches were not sent
    assert cache.entries == {}
    hostile_server.add_route("/translate", libre_endpoint())  # the provider is back: --retry
    retried = translate_cached(texts, "en", "fr", translator, cache, batch_size=2)
    assert [r.text for r in retried] == [f"sol {n}" for n in range(5)]
    assert all(r.machine and r.error is None for r in retried)


def test_slow_provider_does_not_block(hostile_server: HostileServer) -> None:
    body = b'{"translatedText": "sol"}'
    hostile_server.add_route(
        "/translate", Response(200, [body], {"Content-Length": str(len(body))}, chunk_delay=3.0)
    )
    translator = make_translator("libretranslate", url=hostile_server.url("/"), timeout=0.3)
    results = translate_cached(
        ["soil", "carbon", "the soil"], "en", "fr", translator, MemoryCache(), batch_size=1
    )
    assert [r.text for r in results] == ["soil", "carbon", "the soil"]
    assert all("no answer within" in (r.error or "") for r in results)
    assert len(translate_posts(hostile_server)) == 1


def test_wrong_count_from_translator_is_error() -> None:
    class Short:
        def translate(self, texts: Any, source: str, target: str) -> list[str]:
            return []

    [result] = translate_cached(["soil"], "en", "fr", Short(), MemoryCache(), glossary=Glossary([]))
    assert result.error == "provider returned 0 texts for 1"
    assert result.text == "soil"
    assert isinstance(NoTranslator(), NoTranslator)
