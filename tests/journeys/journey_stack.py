"""The deployed stack of the journey tests, built from real parts on 127.0.0.1:

- a test CA and a server certificate for :data:`HOST`, made for the session (trustme);
- nginx (Debian's ``/usr/sbin/nginx``) terminating TLS, configured from the shipped example
  ``contrib/nginx-mediawatch.conf`` with its placeholders filled in, in its own prefix folder, unprivileged;
- ``mediawatch serve`` as a subprocess behind it, configured by a TOML file like the README's;
- the ``mediawatch`` command line against the same database and config.

Chromium reaches :data:`HOST` through ``--host-resolver-rules`` (nothing is looked up in DNS) and accepts
only this certificate (``--ignore-certificate-errors-spki-list`` with its key's hash); Python clients
connect to 127.0.0.1 and check the certificate against the test CA under the name :data:`HOST`.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from deliver_samples import Received, SmtpServer

ROOT = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")
CHROMIUM = Path("/usr/bin/chromium")
SHIPPED_NGINX_CONF = ROOT / "contrib" / "nginx-mediawatch.conf"
# A public-looking name, as in a real deployment; it only ever resolves to 127.0.0.1 here.
HOST = "news.example.org"
# The console script installed beside the interpreter, as an operator runs it.
MEDIAWATCH = [str(Path(sys.executable).parent / "mediawatch")]
CLOCKED_CLI = Path(__file__).with_name("clocked_cli.py")
STARTUP_TIMEOUT = 300.0  # generous: two cores shared with other test runs; only a hang reaches it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check, what: str, timeout: float = STARTUP_TIMEOUT, alive=None) -> None:
    """Poll ``check()`` until true; ``alive()`` returning a message aborts at once (a dead process)."""
    end = time.monotonic() + timeout
    while True:
        if check():
            return
        if alive is not None and (dead := alive()):
            raise RuntimeError(f"{what}: {dead}")
        if time.monotonic() > end:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(0.05)


def die_with_parent() -> None:
    """In a child before exec: SIGTERM when the test process dies, even by SIGKILL (Linux prctl), so no
    nginx or app server outlives a killed test run."""
    import ctypes
    import signal

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


# -- TLS ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tls:
    ca_file: Path  # the test CA certificate (PEM), for Python clients
    cert_file: Path  # server certificate chain (PEM), for nginx
    key_file: Path  # server private key (PEM), for nginx
    spki_sha256: str  # base64 SHA-256 of the server key's SubjectPublicKeyInfo, for Chromium

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_tls(folder: Path) -> Tls:
    import trustme

    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="mediawatch journey tests")
    server = ca.issue_cert(HOST)
    tls = Tls(folder / "ca.pem", folder / "server.pem", folder / "server.key", "")
    ca.cert_pem.write_to_path(str(tls.ca_file))
    with tls.cert_file.open("wb") as out:
        for pem in server.cert_chain_pems:
            out.write(pem.bytes())
    server.private_key_pem.write_to_path(str(tls.key_file))
    leaf = x509.load_pem_x509_certificate(server.cert_chain_pems[0].bytes())
    spki = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return Tls(
        tls.ca_file, tls.cert_file, tls.key_file, base64.b64encode(hashlib.sha256(spki).digest()).decode()
    )


def chromium_args(tls: Tls, port: int | None = None) -> list[str]:
    """Launch arguments: the brief's, plus name resolution and trust for this stack only."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        # HOST is 127.0.0.1; every other name fails, so a page cannot reach anything else.
        f"--host-resolver-rules=MAP {HOST} 127.0.0.1, MAP * ~NOTFOUND",
        # Certificate errors are ignored for this one key only (Playwright passes --user-data-dir,
        # which the switch requires); any other certificate is still refused.
        f"--ignore-certificate-errors-spki-list={tls.spki_sha256}",
    ]


# -- nginx --------------------------------------------------------------------------------------------
def render_site_conf(template: str, *, port: int, tls: Tls, upstream_port: int, logs: Path) -> str:
    """The shipped server block with its deployment-specific values replaced by this stack's.

    Only values change (addresses, names, files, the upstream port); every header, limit and location
    stays as shipped, so what the journeys exercise is what an operator installs.
    """
    text = template
    # HTTPS listener: ours; a plain-HTTP listener (the redirect server) is dropped with its server block.
    text = _drop_plain_http_servers(text)
    text = re.sub(
        r"(?m)^(\s*)listen\s+(?!\[::\])\S+((?:\s+[^;\s]+)*?\s+ssl\b[^;]*);",
        rf"\1listen 127.0.0.1:{port}\2;",
        text,
    )
    text = re.sub(r"(?m)^(\s*)listen\s+\[::\][^;]*;\n?", "", text)
    text = re.sub(r"(?m)^(\s*)server_name\s+[^;]*;", rf"\1server_name {HOST};", text)
    text = re.sub(r"(?m)^(\s*)ssl_certificate\s+[^;]*;", rf"\1ssl_certificate {tls.cert_file};", text)
    text = re.sub(r"(?m)^(\s*)ssl_certificate_key\s+[^;]*;", rf"\1ssl_certificate_key {tls.key_file};", text)
    text = re.sub(r"(?m)^\s*ssl_trusted_certificate\s+[^;]*;\n?", "", text)
    text = re.sub(r"(?m)^\s*ssl_stapling(_verify)?\s+[^;]*;\n?", "", text)
    text = re.sub(r"(?m)^(\s*)access_log\s+[^;]*;", rf"\1access_log {logs / 'access.log'} journey;", text)
    text = re.sub(r"(?m)^(\s*)error_log\s+[^;]*;", rf"\1error_log {logs / 'error.log'} info;", text)
    text = re.sub(r"http://127\.0\.0\.1:8000\b", f"http://127.0.0.1:{upstream_port}", text)
    text = re.sub(r"(?m)^(\s*server\s+)127\.0\.0\.1:8000\b", rf"\g<1>127.0.0.1:{upstream_port}", text)
    return text


def _drop_plain_http_servers(text: str) -> str:
    out, pos = [], 0
    for match in re.finditer(r"(?m)^server\s*\{", text):
        start = match.start()
        if start < pos:
            continue
        end = _block_end(text, match.end() - 1)
        block = text[start:end]
        listens = re.findall(r"(?m)^\s*listen\s+([^;]*);", block)
        if listens and not any(re.search(r"\bssl\b", spec) for spec in listens):
            out.append(text[pos:start])
            pos = end
    out.append(text[pos:])
    return "".join(out)


def _block_end(text: str, brace: int) -> int:
    depth = 0
    for index in range(brace, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    raise ValueError("unbalanced braces in the nginx example")


_MAIN_CONF = """\
# The main file a distribution provides (nginx.conf), here for one test stack: everything in {prefix}.
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log info;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format journey '$remote_addr "$request" $status $body_bytes_sent "$http_origin"';
    access_log {prefix}/logs/access.log journey;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/sites-enabled/*.conf;
}}
"""


class Nginx:
    """nginx in front of ``upstream_port``, listening with TLS on 127.0.0.1:``port``.

    Runs in its own prefix folder; as ``nobody`` when the tests run as root (workers and master alike),
    so it never needs more than an ordinary user may do.
    """

    def __init__(self, tls: Tls, upstream_port: int, *, extra_site: str = "") -> None:
        self.tls = tls
        self.upstream_port = upstream_port
        self.port = free_port()
        self.extra_site = extra_site
        self.prefix = Path(tempfile.mkdtemp(prefix="mediawatch-nginx-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"

    def _write(self) -> None:
        for sub in ("logs", "tmp", "sites-enabled", "tls"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        # A copy of the key inside the prefix: readable by the unprivileged nginx, removed with the folder.
        cert, key = self.prefix / "tls" / "fullchain.pem", self.prefix / "tls" / "privkey.pem"
        shutil.copyfile(self.tls.cert_file, cert)
        shutil.copyfile(self.tls.key_file, key)
        local = Tls(self.tls.ca_file, cert, key, self.tls.spki_sha256)
        template = SHIPPED_NGINX_CONF.read_text(encoding="utf-8")
        site = render_site_conf(
            template, port=self.port, tls=local, upstream_port=self.upstream_port, logs=self.prefix / "logs"
        )
        (self.prefix / "sites-enabled" / "mediawatch.conf").write_text(
            site + self.extra_site, encoding="utf-8"
        )
        (self.prefix / "nginx.conf").write_text(_MAIN_CONF.format(prefix=self.prefix), encoding="utf-8")
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for path in (self.prefix, *self.prefix.rglob("*")):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        self.prefix.chmod(0o700)

    def _command(self, *more: str) -> list[str]:
        return [
            str(NGINX),
            "-p",
            f"{self.prefix}/",
            "-c",
            str(self.prefix / "nginx.conf"),
            "-e",
            str(self.prefix / "logs" / "error.log"),
            *more,
        ]

    def _as_user(self) -> dict[str, object]:
        if os.geteuid() != 0:
            return {}
        nobody = pwd.getpwnam("nobody")
        return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}

    def error_log(self) -> str:
        try:
            return (self.prefix / "logs" / "error.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def access_log(self) -> str:
        try:
            return (self.prefix / "logs" / "access.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> Nginx:
        self._write()
        check = subprocess.run(self._command("-t", "-q"), capture_output=True, text=True, **self._as_user())
        if check.returncode != 0:
            raise RuntimeError(f"nginx refuses the rendered config:\n{check.stderr}\n{self.error_log()}")
        with (self.prefix / "logs" / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                self._command("-g", "daemon off;"),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                preexec_fn=die_with_parent,
                **self._as_user(),
            )

        def dead() -> str:
            assert self.process is not None
            return (
                "" if self.process.poll() is None else f"exited {self.process.returncode}: {self.error_log()}"
            )

        wait_until(lambda: _listening(self.port), "nginx", alive=dead)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: fast shutdown of master and workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)


# -- mediawatch ---------------------------------------------------------------------------------------
def write_config(path: Path, sections: dict[str, dict[str, object]]) -> Path:
    """A config file like the README's: TOML sections of plain values."""
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml(value)}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def cli_env(config: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"MEDIAWATCH_CONFIG": str(config), "PYTHONPATH": str(ROOT), **extra})
    env.pop("MEDIAWATCH_DB", None)  # the config file names the database
    return env


def mediawatch(
    config: Path,
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = True,
    timeout: float = 300,
    at: datetime | None = None,
) -> subprocess.CompletedProcess[str]:
    """``mediawatch ARGS`` as an operator types it, with the stack's config; with ``at``, the delivery
    schedule takes ``at`` for the current time (clocked_cli.py)."""
    command = MEDIAWATCH if at is None else [sys.executable, str(CLOCKED_CLI), at.isoformat()]
    done = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        env=env or cli_env(config),
        timeout=timeout,
        cwd=config.parent,
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"mediawatch {' '.join(args)} exited {done.returncode}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )
    return done


class AppServer:
    """``mediawatch serve`` on 127.0.0.1, as the systemd unit of the README runs it."""

    def __init__(self, config: Path, port: int) -> None:
        self.config = config
        self.port = port
        self.log = config.parent / f"serve-{port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def output(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> AppServer:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*MEDIAWATCH, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=cli_env(self.config),
                cwd=self.config.parent,
                preexec_fn=die_with_parent,
            )

        def dead() -> str:
            assert self.process is not None
            return "" if self.process.poll() is None else f"exited {self.process.returncode}: {self.output()}"

        wait_until(lambda: _listening(self.port), "mediawatch serve", alive=dead)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- a mailbox provider -------------------------------------------------------------------------------
def https_request(
    tls: Tls, method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """One HTTPS request to the stack the way a server-side client makes it: no cookie, no browser.

    The TCP connection goes to 127.0.0.1; TLS is checked against the test CA for the URL's host name.
    """
    parts = urlsplit(url)
    assert parts.scheme == "https", url
    conn = http.client.HTTPSConnection(
        parts.hostname or "", parts.port or 443, context=tls.client_context(), timeout=60
    )
    conn._create_connection = lambda address, *a, **k: socket.create_connection(  # type: ignore[attr-defined]
        ("127.0.0.1", address[1]), *a, **k
    )
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text
    finally:
        conn.close()


def one_click_unsubscribe(tls: Tls, url: str) -> tuple[int, str]:
    """RFC 8058 section 3.1, as a mailbox provider sends it: a POST of ``List-Unsubscribe=One-Click``
    (form-encoded) to the List-Unsubscribe HTTPS URI, without cookies or other credentials."""
    status, _headers, text = https_request(
        tls,
        "POST",
        url,
        b"List-Unsubscribe=One-Click",
        {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "mailbox-provider/1.0"},
    )
    return status, text


# -- what the browser posted -------------------------------------------------------------------------
@dataclass(frozen=True)
class Posted:
    path: str
    status: int
    test: str


@dataclass
class PostLog:
    """Every POST a browser sent to the stack, with the status it got, and which tests have finished.

    Kept in files of a folder that every pytest-xdist worker of the run shares (one file per process), so
    that the check can gather what every process posted, whichever worker ran which journey.
    """

    folder: Path
    worker: str = "main"
    current_test: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _append(self, name: str, record: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.lock, (self.folder / f"{name}-{self.worker}.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")

    def _read(self, name: str) -> list[dict[str, Any]]:
        rows = []
        for path in sorted(self.folder.glob(f"{name}-*.jsonl")):
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        return rows

    def record(self, path: str, status: int) -> None:
        self._append("posts", {"path": path, "status": status, "test": self.current_test})

    def finished(self, nodeid: str) -> None:
        self._append("finished", {"test": nodeid})

    def posts(self) -> list[Posted]:
        return [Posted(r["path"], r["status"], r["test"]) for r in self._read("posts")]

    def finished_tests(self) -> set[str]:
        return {r["test"] for r in self._read("finished")}

    def watch(self, context: Any) -> None:
        """Record the POSTs of every page of a Playwright ``BrowserContext``."""

        def on_response(response: Any) -> None:
            request = response.request
            parts = urlsplit(request.url)
            if request.method == "POST" and parts.hostname == HOST:
                self.record(parts.path, response.status)

        context.on("response", on_response)


# -- one journey's stack ---------------------------------------------------------------------------
PASSWORD = "correct horse battery staple"


@dataclass
class Stack:
    """The deployed stack of one journey and the means to act on it."""

    folder: Path
    tls: Tls
    config: Path
    settings: dict[str, dict[str, Any]]
    smtp: SmtpServer
    app: AppServer
    proxy: Nginx
    browser: Any
    posts: PostLog
    contexts: list[Any] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.proxy.url

    def cli(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None, at: datetime | None = None
    ) -> Any:
        return mediawatch(self.config, *args, check=check, env=env, at=at)

    def page(self, locale: str = "en-GB") -> Any:
        """A new page in a browser context of its own (own cookies), its POSTs recorded."""
        context = self.browser.new_context(locale=locale)
        context.set_default_timeout(120_000)  # a bound on a hang: a loaded machine renders slowly
        self.posts.watch(context)
        self.contexts.append(context)
        return context.new_page()

    def add_user(self, name: str, role: str, lang: str = "en") -> None:
        secret = self.folder / "password.txt"
        secret.write_text(PASSWORD + "\n", encoding="utf-8")
        self.cli("users", "add", name, "--role", role, "--lang", lang, "--password-file", str(secret))

    def login(self, name: str, locale: str = "en-GB") -> Any:
        """A page signed in through the login form."""
        page = self.page(locale)
        page.goto(f"{self.url}/login")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("form[action*='/login'] button[type=submit]").click()
        assert "/login" not in urlsplit(page.url).path, page.content()[:2000]
        return page

    def subscriber(self, email: str) -> Any:
        """The stored subscriber (or None), read straight from the database: quicker than the CLI."""
        from mediawatch.store import open_store

        with open_store(str(self.settings["collect"]["db"])) as store:
            return store.find_subscriber(email)

    def mails(self) -> list[Received]:
        return self.smtp.recorder.snapshot()

    def mails_to(self, address: str) -> list[Received]:
        return [m for m in self.mails() if address.lower() in (r.lower() for r in m.rcpt_tos)]

    def wait_for_mail(self, address: str, count: int = 1) -> list[Received]:
        wait_until(lambda: len(self.mails_to(address)) >= count, f"{count} mail(s) to {address}", timeout=60)
        return self.mails_to(address)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


LINK = re.compile(r"https://[^\s<>\"]+")


def links_in(message: Received, fragment: str) -> list[str]:
    """The https links of a mail's text part that contain ``fragment``."""
    text = message.message().get_body(("plain",)).get_content()
    return [u.rstrip(".,;)") for u in LINK.findall(text) if fragment in u]


def submit(page: Any, selector: str) -> None:
    """Click ``selector`` and wait for the page it loads (a form's answer)."""
    with page.expect_navigation():
        page.click(selector)


def fixed_text(key: str, lang: str) -> re.Pattern[str]:
    """The longest stretch of catalogue message ``key`` that none of its {fields} changes, in any case of its
    first letter (a message said alone starts with a capital): what a journey can look for on a page."""
    from mediawatch.i18n import catalogue

    stretch = max(re.split(r"{\w+}", catalogue(lang)[key]), key=len).strip()
    return re.compile(re.escape(stretch), re.IGNORECASE)
