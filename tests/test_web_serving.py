"""Serving as deployed, for real: the shipped nginx server block in front of `mediawatch serve` over TLS,
and the serving settings that must fail with one clear message (a bad trusted_proxies, a port in use,
forms without base_url)."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests
from deliver_samples import SECRET, SmtpServer, free_port, make_settings, open_store
from web_serving import (
    MEDIAWATCH,
    csrf_of,
    start_server,
    stop_server,
)

# -- the shipped nginx server block, for real -----------------------------------------------------------
NGINX = Path("/usr/sbin/nginx")
NGINX_CONF = Path(__file__).resolve().parents[1] / "contrib" / "nginx-mediawatch.conf"


def test_the_shipped_nginx_config_serves_the_app_over_tls(tmp_path):
    """contrib/nginx-mediawatch.conf with only its placeholders (and, for a test, its ports) replaced, in
    front of `mediawatch serve` with base_url and trusted_proxies as the README says."""
    if not NGINX.exists():
        pytest.skip(f"{NGINX} is absent: install Debian's nginx-light to run this test")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    ca, ca_key, csr, ext = (tmp_path / n for n in ("ca.pem", "ca.key", "leaf.csr", "leaf.ext"))
    ext.write_text("subjectAltName=DNS:localhost\n", encoding="ascii")
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mediawatch test CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
         "-keyout", ca_key, "-out", ca],
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", key, "-out", csr],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
         "-extfile", ext, "-out", cert],
    ):  # fmt: skip
        subprocess.run(["openssl", *command], check=True, capture_output=True)
    https_port, http_port, app_port = free_port(), free_port(), free_port()
    site = (
        NGINX_CONF.read_text(encoding="utf-8")
        .replace("news.example.org", "localhost")
        .replace("/etc/ssl/mediawatch/fullchain.pem", str(cert))
        .replace("/etc/ssl/mediawatch/privkey.pem", str(key))
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
        .replace("listen [::]:443 ssl http2;", "")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen [::]:80;", "")
        .replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    )
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\ndaemon off;\nevents {{}}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path}/body;\n"
        f" proxy_temp_path {tmp_path}/proxy;\n include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    public = f"https://localhost:{https_port}"
    with SmtpServer() as smtp:
        open_store(make_settings(tmp_path, smtp.url)).close()
        proc, _url = start_server(
            tmp_path, smtp, port=app_port, base_url=public, MEDIAWATCH_TRUSTED_PROXIES="127.0.0.1"
        )
        nginx = subprocess.Popen([str(NGINX), "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)])
        try:
            http = requests.Session()
            trust = str(ca)  # per request: REQUESTS_CA_BUNDLE in the environment would beat Session.verify
            deadline = time.monotonic() + 300  # only catches an nginx that never listens
            while True:
                try:
                    page = http.get(f"{public}/subscribe?lang=fr", timeout=120, verify=trust)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                    time.sleep(0.2)
            assert page.status_code == 200
            assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
            assert "Secure" in page.headers["Set-Cookie"]
            # a client's own X-Forwarded-For is replaced by nginx: the app sees the real peer
            form = {
                "email": "via-nginx@example.org",
                "language": "fr",
                "publications": "newsletter",
                "consent": "yes",
                "wording_version": re.search(r'name="wording_version" value="([^"]+)"', page.text).group(1),
                "csrf_token": csrf_of(page.text),
            }
            done = http.post(
                f"{public}/subscribe?lang=fr",
                data=form,
                headers={"Origin": public, "X-Forwarded-For": "6.6.6.6"},
                timeout=120,
                verify=trust,
            )
            assert done.status_code == 200, done.text[:500]
            redirect = requests.get(f"http://localhost:{http_port}/login", allow_redirects=False, timeout=120)
            assert redirect.status_code == 301
            assert redirect.headers["Location"] == "https://localhost/login"
        finally:
            nginx.terminate()
            nginx.wait(timeout=60)  # a bound, not a measure
            stop_server(proc)
    store = open_store(make_settings(tmp_path))
    sub = store.find_subscriber("via-nginx@example.org")
    assert [r.ip for r in store.consent_records(sub.id)] == ["127.0.0.1"]
    (mail,) = [m for m in smtp.recorder.snapshot() if "via-nginx@example.org" in m.rcpt_tos]
    assert f"{public}/s/confirm/" in mail.message().get_body(("plain",)).get_content()
    store.close()


def test_a_bad_trusted_proxies_setting_is_one_clear_message(tmp_path):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "MEDIAWATCH_CONFIG": str(tmp_path / "empty.toml"),
        "MEDIAWATCH_TRUSTED_PROXIES": "127.0.0.1, nginx.local",
        "MEDIAWATCH_SECRET_KEY": SECRET,
        "MEDIAWATCH_LANG": "es",
    }
    command = [MEDIAWATCH, "--db", str(tmp_path / "db.sqlite3"), "serve", "--port", str(free_port())]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode != 0
    assert "«nginx.local» no es una dirección IP ni una red" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_port_in_use_is_one_clear_message(tmp_path):
    import socket

    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    env = {**os.environ, "MEDIAWATCH_CONFIG": str(tmp_path / "empty.toml"), "MEDIAWATCH_LANG": "fr"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [MEDIAWATCH, "--db", str(tmp_path / "db.sqlite3"), "serve", "--port", str(port)]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode != 0
    assert f"impossible d'écouter sur 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_malformed_host_to_listen_on_is_one_clear_message(tmp_path):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    env = {**os.environ, "MEDIAWATCH_CONFIG": str(tmp_path / "empty.toml"), "MEDIAWATCH_LANG": "fr"}
    command = [MEDIAWATCH, "--db", str(tmp_path / "db.sqlite3"), "serve", "--host", "www..x", "--port", "0"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode != 0
    assert "impossible d'écouter sur www..x:0" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("base_url", ["", "http://127.0.0.1:8000"], ids=["empty", "trial-default"])
def test_without_base_url_forms_are_accepted_from_the_address_in_use_only(tmp_path, base_url):
    """Unset (or left at the trial default, as with `serve --port 9000`): the address in use stands in."""
    from werkzeug.test import Client

    from mediawatch.web.app import create_app

    settings = make_settings(tmp_path, base_url=base_url)
    store = open_store(settings)
    try:
        browser = Client(create_app(settings, store))
        token = csrf_of(browser.get("/login").get_data(as_text=True))
        elsewhere = browser.post(
            "/logout", data={"csrf_token": token}, headers={"Origin": "http://evil.example"}
        )
        assert elsewhere.status_code == 400
        here = browser.post("/logout", data={"csrf_token": token}, headers={"Origin": "http://localhost"})
        assert here.status_code == 303
    finally:
        store.close()


def test_serve_says_where_forms_are_accepted_from(tmp_path):
    """Left at the trial default, base_url is not what the forms are checked against: serve says so."""
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "MEDIAWATCH_BASE_URL"}
    env.update(
        MEDIAWATCH_CONFIG=str(tmp_path / "empty.toml"), MEDIAWATCH_LANG="fr", MEDIAWATCH_SECRET_KEY=SECRET
    )
    for base_url, expected in (
        (None, "base_url n'est pas défini : les formulaires sont acceptés depuis l'adresse utilisée"),
        ("https://news.example.org", "les formulaires ne sont acceptés que depuis https://news.example.org"),
    ):
        run_env = dict(env, **({"MEDIAWATCH_BASE_URL": base_url} if base_url else {}))
        command = [MEDIAWATCH, "--db", str(tmp_path / "db.sqlite3"), "serve", "--port", str(free_port())]
        proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=run_env)
        try:
            assert proc.stderr is not None
            lines = [proc.stderr.readline() for _ in range(2)]
        finally:
            proc.terminate()
            proc.wait(timeout=120)  # gunicorn's graceful stop, on a loaded machine
        assert expected in "".join(lines), lines


def test_without_base_url_the_apps_links_point_at_the_address_serve_listens_on(tmp_path):
    """`serve --port 8611` with base_url unset made its preview links and watch feeds point at port 8000 (the
    trial default): they follow the address in use now. base_url, once set, still decides."""
    from datetime import UTC, datetime

    from review_samples import add_team, make_issue
    from test_review_web import App, http_login

    from mediawatch.config import database_url
    from mediawatch.store import open_store as open_db
    from mediawatch.watch.watches import add_watch

    db = tmp_path / "db.sqlite3"
    store = open_db(database_url(str(db)))
    add_team(store)
    issue = make_issue(store)
    watch = add_watch(
        store, name="Sols", query="sols", filters={}, every="weekly", owner="ana",
        settings=make_settings(tmp_path), actor="ana", clock=lambda: datetime.now(UTC),
        email="ana@example.org",
    )  # fmt: skip
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "MEDIAWATCH_BASE_URL"}
    env.update(
        MEDIAWATCH_CONFIG=str(tmp_path / "empty.toml"), MEDIAWATCH_LANG="en", MEDIAWATCH_SECRET_KEY=SECRET
    )
    for base_url in (None, "https://news.example.org"):
        port = free_port()
        here = f"http://127.0.0.1:{port}"
        expected = base_url or here
        run_env = dict(env, **({"MEDIAWATCH_BASE_URL": base_url} if base_url else {}))
        command = [MEDIAWATCH, "--db", str(db), "serve", "--port", str(port)]
        proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=run_env)
        try:
            assert proc.stderr is not None
            assert "serving the review app" in proc.stderr.readline()  # listening
            feed = requests.get(f"{here}/w/{watch.feed_key}.atom", timeout=120)
            assert feed.status_code == 200
            self_link = re.search(r'<link rel="self"[^>]* href="([^"]+)"', feed.text)
            assert self_link is not None, feed.text[:1000]
            assert self_link.group(1) == f"{expected}/w/{watch.feed_key}.atom"
            if base_url is None:  # a preview link, made on the issue page (forms come from base_url only)
                ana, _ = http_login(App(here, store), "ana")
                issue_page = ana.get(f"{here}/issues/{issue}").text
                token = re.search(r'name="csrf_token" value="([^"]+)"', issue_page)
                assert token is not None
                share = f"{here}/issues/{issue}/editions/fr/link"
                page = ana.post(share, data={"csrf_token": token.group(1)})
                shared = re.search(r'id="shared-link"[^>]* value="([^"]+)"', page.text)
                assert shared is not None, page.text[:2000]
                assert shared.group(1).startswith(f"{here}/p/"), shared.group(1)
                assert f"the app's links point to {here}" in proc.stderr.readline()
        finally:
            proc.terminate()
            proc.wait(timeout=120)  # gunicorn's graceful stop, on a loaded machine
    store.close()
