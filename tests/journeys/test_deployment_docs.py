"""The README's deployment section is what the journeys run: the shipped nginx example with only the
values it says to replace, and the `[web]` settings it documents."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from journey_stack import HOST, ROOT, SHIPPED_NGINX_CONF, Tls, render_site_conf

# What the example's header and the README allow to change, plus the addresses of a test machine.
REPLACEABLE = ("listen ", "server_name ", "ssl_certificate ", "ssl_certificate_key ", "server 127.0.0.1:")


def directives(text: str) -> Counter[str]:
    lines = (re.sub(r"\s+", " ", line.split("#", 1)[0]).strip() for line in text.splitlines())
    return Counter(line for line in lines if line)


def deployment_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Deployment\n(.*?)^## ", readme, re.S | re.M)
    assert match, "README.md has no '## Deployment' section"
    return match.group(1)


def test_the_journeys_run_the_shipped_nginx_example_changing_only_what_the_readme_says():
    shipped = SHIPPED_NGINX_CONF.read_text(encoding="utf-8")
    tls = Tls(Path("/t/ca.pem"), Path("/t/fullchain.pem"), Path("/t/privkey.pem"), "")
    rendered = render_site_conf(shipped, port=44443, tls=tls, upstream_port=48000, logs=Path("/t/logs"))
    before, after = directives(shipped), directives(rendered)
    removed, added = before - after, after - before
    # The plain-HTTP server (a redirect to HTTPS) is left out: nothing listens on port 80 in a test.
    http_block = Counter(
        {"listen 80;": 1, "listen [::]:80;": 1, f"server_name {HOST};": 1, "server {": 1, "}": 1}
    )
    redirect = {d for d in removed if d.startswith("return 301 https://")}
    unexpected = [
        d for d in (removed - http_block) if d not in redirect and not d.startswith(REPLACEABLE)
    ] + [d for d in added if not d.startswith(REPLACEABLE)]
    assert not unexpected, (
        f"the journeys' nginx differs from the shipped example beyond its values: {unexpected}"
    )
    assert f"server_name {HOST};" in after, "the example's name is the journeys' host: nothing to rename"


def test_the_readme_documents_the_web_settings_the_journeys_use():
    section = deployment_section()
    assert "contrib/nginx-mediawatch.conf" in section
    assert f'base_url = "https://{HOST}"' in section
    assert 'trusted_proxies = "127.0.0.1"' in section
    assert "mediawatch serve" in section
