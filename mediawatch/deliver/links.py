"""A subscriber's signed links: confirm, preferences, one-click unsubscribe.

No account and no password: a link proves the reader received a message at the address. Each token is an
itsdangerous signature (the web app's secret key, :func:`mediawatch.review.links.secret_key`) over the
subscriber's id and their random ``link_key``, with one salt per purpose, so an unsubscribe token cannot
open the preferences page and links die with the subscriber (a new subscription gets a new ``link_key``).
Confirmation links expire; preference and unsubscribe links live as long as the subscription, because an
old newsletter must still let its reader leave.

A confirmation link's age is decided here (:func:`link_age_problem`), not by itsdangerous, which calls a
link signed "in the future" expired: a server whose clock moved back, or a second one a little behind,
would then turn away a link mailed a minute ago. The clock is injected (``LinkSigner.clock``).
"""

from __future__ import annotations

import enum
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from itsdangerous import BadSignature, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

from mediawatch.config import Settings
from mediawatch.errors import InvalidLink, UnsafeLink
from mediawatch.i18n import Message
from mediawatch.identity import host_problem
from mediawatch.render.result import PersonalLinks
from mediawatch.review.links import secret_key
from mediawatch.store.protocols import SubscriberRepository
from mediawatch.types import Subscriber

CONFIRM_DAYS = 14
# How far ahead of the clock reading it a confirmation link may be stamped and still count as just issued
# (a clock moved back, servers out of step); beyond, the clock that signed it was wrong and the link is
# treated as expired, so that no link outlives CONFIRM_DAYS by more than this.
CLOCK_AHEAD_DAYS = 1


def link_age_problem(signed_at: float, now: float, max_age_days: float = CONFIRM_DAYS) -> str:
    """Why a confirmation link stamped ``signed_at`` cannot be used at ``now`` (seconds since the epoch):
    "expired", or "" when it can. Pure: the clock is the caller's."""
    age = now - signed_at
    if age > max_age_days * 86400 or age < -CLOCK_AHEAD_DAYS * 86400:
        return "expired"
    return ""


class LinkPurpose(enum.StrEnum):
    CONFIRM = "confirm"
    PREFERENCES = "preferences"
    UNSUBSCRIBE = "unsubscribe"


@dataclass(frozen=True, slots=True)
class LinkGrant:
    subscriber_id: int
    link_key: str
    expired: bool = False  # well signed, but too old (or stamped too far ahead) to be used


@dataclass(frozen=True, slots=True)
class LinkSigner:
    key: str
    base_url: str  # public URL of the web app, no trailing slash
    clock: Callable[[], float] = field(default=time.time, compare=False)  # seconds since the epoch

    def _serializer(self, purpose: LinkPurpose) -> URLSafeSerializer | URLSafeTimedSerializer:
        salt = f"mediawatch.subscriber.{purpose.value}.v1"
        if purpose is LinkPurpose.CONFIRM:
            clock = self.clock

            class Stamper(TimestampSigner):
                def get_timestamp(self) -> int:
                    return int(clock())

            return URLSafeTimedSerializer(self.key, salt=salt, signer=Stamper)
        return URLSafeSerializer(self.key, salt=salt)

    def token(self, purpose: LinkPurpose, subscriber: Subscriber) -> str:
        return str(self._serializer(purpose).dumps([subscriber.id, subscriber.link_key]))

    def grant(self, purpose: LinkPurpose, token: str, *, max_age_days: float = CONFIRM_DAYS) -> LinkGrant:
        """Whom a well-signed link names, expired or not (InvalidLink when it is not ours or damaged): an
        expired link still tells whose it was, so that its page speaks their language."""
        serializer = self._serializer(purpose)
        try:
            if isinstance(serializer, URLSafeTimedSerializer):
                data, signed_at = serializer.loads(token, max_age=None, return_timestamp=True)
                expired = bool(link_age_problem(signed_at.timestamp(), self.clock(), max_age_days))
            else:
                data, expired = serializer.loads(token), False
            sub_id, link_key = data
            return LinkGrant(int(sub_id), str(link_key), expired)
        except (BadSignature, TypeError, ValueError):
            raise InvalidLink(f"this {purpose.value} link is not valid") from None

    def read(self, purpose: LinkPurpose, token: str, *, max_age_days: float = CONFIRM_DAYS) -> LinkGrant:
        grant = self.grant(purpose, token, max_age_days=max_age_days)
        if grant.expired:
            raise InvalidLink(f"this {purpose.value} link has expired", expired=True)
        return grant

    def url(self, purpose: LinkPurpose, subscriber: Subscriber) -> str:
        path = {
            LinkPurpose.CONFIRM: "s/confirm",
            LinkPurpose.PREFERENCES: "s/preferences",
            LinkPurpose.UNSUBSCRIBE: "s/unsubscribe",
        }[purpose]
        return f"{self.base_url}/{path}/{self.token(purpose, subscriber)}"

    def personal_links(self, subscriber: Subscriber) -> PersonalLinks:
        return PersonalLinks(
            unsubscribe_url=self.url(LinkPurpose.UNSUBSCRIBE, subscriber),
            preferences_url=self.url(LinkPurpose.PREFERENCES, subscriber),
        )


_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".test", ".invalid")


# Literal keys (the i18n scans read them): why link_problem refused a link, in words.
LINK_PROBLEM_KEYS = {
    "relative": "deliver.links.relative",
    "bad_host": "deliver.links.bad_host",
    "private": "deliver.links.private",
    "not_https": "deliver.links.not_https",
}


def link_problem(url: str, *, https: bool = False) -> str:
    """Why ``url`` cannot go in a mail read anywhere ("" : it can). Pure: no DNS lookup.

    Refused: relative or schemeless URLs, malformed host names (``bad_host``: an empty or over-long
    label), schemes other than http(s) (https only when ``https``),
    loopback, private, link-local and otherwise non-global addresses, and names that only resolve
    inside one machine or network (localhost, .local, .internal, ...)."""
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError:  # a malformed IPv6 literal
        return "relative"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not hostname:
        return "relative"
    if host_problem(hostname):
        return "bad_host"
    host = hostname.lower().rstrip(".")
    try:
        local = not ipaddress.ip_address(host).is_global
    except ValueError:
        local = host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES) or "." not in host
    if local:
        return "private"
    return "not_https" if https and scheme != "https" else ""


def check_link(setting: str, url: str, *, https: bool = False, allow_private: bool = False) -> None:
    """UnsafeLink unless ``url`` (built from ``setting``) is fit for a mail. ``allow_private`` (the
    ``allow_private_links`` setting, for tests and the demo) accepts loopback/private hosts and http,
    never a relative link nor a malformed host."""
    problem = link_problem(url, https=https)
    if problem in ("relative", "bad_host") or (problem and not allow_private):
        fields = {"setting": setting, "url": url or "", "setting_upper": setting.upper()}
        raise UnsafeLink(setting, url, Message(LINK_PROBLEM_KEYS[problem], **fields))


def check_mail_links(settings: Settings, *, archive: bool = True) -> None:
    """Refuse to write mail whose links would not work for its reader: ``base_url`` (preferences,
    confirmation and the RFC 8058 one-click unsubscribe link, which must be https) and, for issues,
    ``site_url`` (read online, the archive, the other editions)."""
    allow = settings.allow_private_links
    check_link("base_url", settings.base_url.strip(), https=True, allow_private=allow)
    if archive:
        check_link("site_url", settings.site_url.strip(), allow_private=allow)


def link_signer(settings: Settings) -> LinkSigner:
    return LinkSigner(secret_key(settings), settings.base_url.rstrip("/"))


def unsubscribe_mailto(address: str, token: str) -> str:
    """The mailto: half of List-Unsubscribe; ``mediawatch bounces import`` acts on such mails."""
    return f"mailto:{address}?subject={quote('unsubscribe ' + token)}"


def subscriber_for(
    store: SubscriberRepository, signer: LinkSigner, purpose: LinkPurpose, token: str
) -> Subscriber:
    """The subscriber a link belongs to; InvalidLink when it is forged, expired or outlived them (an
    expired one carries its subscriber, for the page's language and words)."""
    grant = signer.grant(purpose, token)
    found = store.find_subscriber(grant.subscriber_id)
    if found is None or found.link_key != grant.link_key:
        if grant.expired:
            raise InvalidLink(f"this {purpose.value} link has expired", expired=True)
        raise InvalidLink(f"this {purpose.value} link belongs to no current subscriber")
    if grant.expired:
        raise InvalidLink(f"this {purpose.value} link has expired", expired=True, subscriber=found)
    return found
