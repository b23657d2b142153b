"""Writing one message: headers, multipart/alternative, quoted-printable parts; DKIM when configured.

The email package's generator costs ~4 ms a message (EmailMessage) for our sizes, more than the whole
budget at 300 messages/s; the structure of a newsletter is fixed and simple, so it is written here
directly: headers encoded with the email package (RFC 2047, once per edition and run), bodies with
``binascii.b2a_qp`` (C), CRLF line ends, a boundary starting with ``=_`` that quoted-printable output
can never contain. The tests parse what the SMTP server received with the email package.

Nothing here adds to or rewrites the HTML it is given: no tracking pixel, no redirected link.
:func:`check_untracked` enforces it on every message before it leaves.
"""

from __future__ import annotations

import binascii
import functools
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path

from mediawatch.errors import ConfigError, DeliveryError
from mediawatch.files import ReadProblem
from mediawatch.i18n import Message, said

CRLF = b"\r\n"
_PART_HEAD = (
    b'\r\nContent-Type: text/%s; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
)
# Headers DKIM signs: the List-Unsubscribe pair included, so a relay cannot strip one-click unsubscribe
# without breaking the signature (RFC 8058 section 4).
DKIM_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"reply-to",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"mime-version",
    b"content-type",
    b"content-language",
)


@functools.lru_cache(maxsize=256)  # an edition's subject is encoded once, not once per subscriber
def encode_header_value(name: str, value: str) -> str:
    """A header value ready to write: ASCII as is (folded by us if long), else RFC 2047."""
    if value.isascii():
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


def format_sender(address: str, name: str = "") -> str:
    """``Name <address>`` with the name encoded when it is not ASCII."""
    return formataddr((name, address), charset="utf-8") if name else address


def parse_sender(value: str, default_name: str = "") -> tuple[str, str]:
    """``"4 per 1000 <news@example.org>"`` -> (name, address); ConfigError when there is no address."""
    name, address = parseaddr(value or "")
    if not address or "@" not in address:
        raise said(ConfigError, "mailing.sender.no_address", value=value)
    return (name or default_name), address


def quoted_printable(text: str) -> bytes:
    """UTF-8 quoted-printable with CRLF line ends (soft breaks keep lines under 77 characters)."""
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False).replace(b"\n", CRLF)


@dataclass(frozen=True, slots=True)
class ListHeaders:
    """The RFC 2369 / 2919 / 8058 headers of one message."""

    list_id: str  # already formatted: '"4 per 1000 newsletter" <newsletter.example.org>'
    unsubscribe_url: str  # https, one-click (POST)
    unsubscribe_mailto: str  # mailto:...


def message_id(token: str, domain: str) -> str:
    return f"<{token}@{domain}>"


def new_boundary() -> str:
    return "=_mw_" + secrets.token_hex(12)


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    message_id: str,
    date: datetime,
    language: str,
    text: str,
    html: str,
    lists: ListHeaders | None,
    reply_to: str = "",
    extra: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The message as bytes (CRLF, 7-bit), ready for DATA. ``sender`` and ``subject`` may be pre-encoded.
    ``lists`` None: internal mail (a watch's digest to the team), no list headers."""
    boundary = new_boundary()
    headers = [
        ("From", sender),
        ("To", to),
        ("Subject", encode_header_value("Subject", subject)),
        ("Date", format_datetime(date)),
        ("Message-ID", message_id),
    ]
    if reply_to:
        headers.append(("Reply-To", reply_to))
    if lists is not None:
        headers += [
            ("List-Id", lists.list_id),
            ("List-Unsubscribe", f"<{lists.unsubscribe_url}>,\r\n <{lists.unsubscribe_mailto}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
    headers += [
        ("Content-Language", language),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative;\r\n boundary="{boundary}"'),
        *extra,
    ]
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    mark = b"--" + boundary.encode("ascii")
    return b"".join(
        (
            head,
            CRLF,
            mark,
            _PART_HEAD % b"plain",
            quoted_printable(text),
            CRLF,
            mark,
            _PART_HEAD % b"html",
            quoted_printable(html),
            CRLF,
            mark,
            b"--\r\n",
        )
    )


# -- no tracking ----------------------------------------------------------------------------------------
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SIZE_ONE = re.compile(r"""\b(?:width|height)\s*[=:]\s*["']?\s*[01](?:px)?\b""", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)


def tracking_problems(html: str, allowed_links: frozenset[str]) -> list[Message]:
    """Why a message's HTML would track its reader: pixel-sized images, or links that are not the
    edition's own (a rewritten link goes through a redirect that records the click)."""
    problems = []
    for img in _IMG.findall(html):
        if _SIZE_ONE.search(img):
            problems.append(Message("mailing.tracking.pixel", what=img[:120]))
    for _, href in _HREF.findall(html):
        if href not in allowed_links:
            problems.append(Message("mailing.tracking.link", what=href[:120]))
    return problems


class _Problems:
    """Several problems said together, in the language the message that holds them is said in."""

    __slots__ = ("items",)

    def __init__(self, items: list[Message]) -> None:
        self.items = items

    def text(self, lang: str) -> str:
        return "; ".join(item.text(lang) for item in self.items)


def links_of(html: str) -> frozenset[str]:
    return frozenset(href for _, href in _HREF.findall(html))


def check_untracked(html: str, allowed_links: frozenset[str]) -> None:
    """Refuse to send HTML that tracks. Subscribers never consented to tracking: there is no switch to
    allow it, so a template or a later change that adds a pixel or a redirect stops the send."""
    problems = tracking_problems(html, allowed_links)
    if problems:
        raise said(DeliveryError, "mailing.tracking.refused", problems=_Problems(problems[:3]))


# -- DKIM -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DkimKey:
    selector: str
    domain: str
    private_key: bytes

    def sign(self, message: bytes) -> bytes:
        """The message with a DKIM-Signature header first (relaxed/relaxed, rsa-sha256)."""
        import dkim  # type: ignore[import-untyped]

        try:
            signature = dkim.sign(
                message,
                self.selector.encode("ascii"),
                self.domain.encode("ascii"),
                self.private_key,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=list(DKIM_HEADERS),
                linesep=CRLF,
            )
        except dkim.DKIMException as exc:
            raise said(
                DeliveryError,
                "mailing.dkim.failed",
                domain=self.domain,
                selector=self.selector,
                detail=str(exc),
            ) from None
        return bytes(signature) + message


def load_dkim_key(key_file: str, selector: str, domain: str) -> DkimKey | None:
    """The DKIM key of the settings, None when DKIM is not configured; ConfigError when half done."""
    if not key_file and not selector:
        return None
    if not key_file or not selector or not domain:
        raise said(ConfigError, "mailing.dkim.settings")
    path = Path(key_file).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise said(
            ConfigError, "mailing.dkim.unreadable", path=key_file, reason=ReadProblem(exc, path)
        ) from None
    if b"PRIVATE KEY" not in data:
        raise said(ConfigError, "mailing.dkim.not_pem", path=key_file)
    return DkimKey(selector, domain, data)
