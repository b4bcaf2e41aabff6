"""Pure parsers and cleaners for miner input: domains, URLs, RFC 3339 timestamps, e-mails, text.

Every function either returns the normalised value or raises `Invalid(reason)`, where `reason` is one
of a small fixed set (it becomes a Prometheus label and the `reason` of an HTTP rejection).
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import idna


class Invalid(ValueError):
    """A value failed validation; `reason` is a short machine-readable code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail or reason


_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
MAX_DOMAIN = 253


def normalize_domain(raw: str) -> str:
    """`WWW.Acme.COM.` -> `acme.com`; `https://www.acme.com/about` -> `acme.com`; `bücher.de` ->
    `xn--bcher-kva.de`. Raises Invalid("invalid_domain")."""
    value = raw.strip()
    if "://" in value:
        value = urlsplit(value).hostname or ""
    value = value.split("/", 1)[0].strip().rstrip(".").lower()
    if value.startswith("www."):
        value = value[4:]
    if not value or len(value) > MAX_DOMAIN * 2 or any(c.isspace() for c in value) or "@" in value:
        raise Invalid("invalid_domain", f"not a domain: {raw[:80]!r}")
    if value.isascii() and "xn--" not in value:
        ascii_domain = value  # plain LDH: checked below, no IDNA mapping needed
    else:
        try:
            ascii_domain = idna.encode(value, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError) as exc:
            raise Invalid("invalid_domain", f"not a valid IDNA domain: {raw[:80]!r}") from exc
    ascii_domain = ascii_domain.lower().rstrip(".")
    if ascii_domain.startswith("www."):
        ascii_domain = ascii_domain[4:]
    labels = ascii_domain.split(".")
    if (
        len(ascii_domain) > MAX_DOMAIN
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or not _TLD.match(labels[-1])
    ):
        raise Invalid("invalid_domain", f"not a domain: {raw[:80]!r}")
    return ascii_domain


MAX_URL = 2048
_URL_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")
_HOST_LDH = re.compile(r"^[a-z0-9.-]+$")


def message_key(domain: str) -> str:
    """The Kafka key of a snippet about `domain`: the normalised domain, so every spelling of one
    company (`WWW.Acme.com.`, `acme.com`) lands on one partition and one consumer; the raw value when
    it does not normalise (the consumer dead-letters it)."""
    try:
        return normalize_domain(domain)
    except Invalid:
        return domain


def normalize_url(raw: str) -> str:
    """An absolute http(s) URL with a valid host; the host is lower-cased. Raises Invalid("invalid_url")."""
    value = raw.strip()
    if not value or len(value) > MAX_URL or _URL_BAD_CHARS.search(value):
        raise Invalid("invalid_url", "source_url must be an http(s) URL of at most 2048 characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise Invalid("invalid_url", f"unparseable URL: {value[:80]!r}") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid("invalid_url", "source_url must be an absolute http(s) URL")
    host = parts.hostname
    if not (host.replace(".", "").isdigit() or host == "localhost" or _HOST_LDH.match(host)):
        try:
            host = idna.encode(host.rstrip("."), uts46=True).decode("ascii").lower()
        except (idna.IDNAError, UnicodeError, ValueError) as exc:
            raise Invalid("invalid_url", f"bad host in URL: {value[:80]!r}") from exc
    netloc = host if port is None else f"{host}:{port}"
    rest = value.split(parts.netloc, 1)[1] if parts.netloc else ""
    return f"{parts.scheme.lower()}://{netloc}{rest}"


_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def parse_timestamp(raw: str, *, now: datetime, future_skew: timedelta) -> datetime:
    """Strict RFC 3339 (an offset or Z is required), in UTC; not after now + skew, not before 1990."""
    match = _RFC3339.match(raw.strip())
    if match is None:
        raise Invalid("invalid_timestamp", "expected an RFC 3339 timestamp such as 2026-01-31T12:00:00Z")
    year, month, day, hour, minute, second, frac, offset = match.groups()
    micros = int((frac or ".0")[1:][:6].ljust(6, "0"))
    try:
        tz_offset = timedelta(0)
        if offset not in ("Z", "z"):
            sign = 1 if offset[0] == "+" else -1
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            if hours > 23 or minutes > 59:
                raise ValueError("offset out of range")
            tz_offset = sign * timedelta(hours=hours, minutes=minutes)
        local = datetime(
            int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59), micros
        )
    except ValueError as exc:
        raise Invalid("invalid_timestamp", f"not a real date/time: {raw[:40]!r}") from exc
    try:
        # 0001-01-01T00:00:00+01:00 and 9999-12-31T23:59:59-01:00 leave datetime's range in UTC.
        value = (local - tz_offset).replace(tzinfo=UTC)
    except OverflowError as exc:
        raise Invalid("invalid_timestamp", f"timestamp out of range: {raw[:40]!r}") from exc
    if value > now + future_skew:
        raise Invalid("future_timestamp", "timestamp is in the future beyond the allowed clock skew")
    if value < EARLIEST:
        raise Invalid("invalid_timestamp", "timestamp before 1990")
    return value


def format_timestamp(value: datetime) -> str:
    """Fixed width (microseconds, Z) so that these strings sort like the instants they denote."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# --- e-mail ------------------------------------------------------------------------------------
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]{1,64}@([A-Za-z0-9.-]{1,253})$")
# Consumer mailbox providers: an address there is a person, not a business contact.
PERSONAL_EMAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "ymail.com",
        "rocketmail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "hotmail.de",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "mail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "zoho.com",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "libero.it",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "laposte.net",
        "t-online.de",
        "btinternet.com",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "bellsouth.net",
        "cox.net",
        "charter.net",
        "earthlink.net",
        "juno.com",
        "tutanota.com",
        "fastmail.com",
        "hushmail.com",
        "inbox.com",
        "rediffmail.com",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "rambler.ru",
        "ukr.net",
        "bol.com.br",
        "uol.com.br",
        "terra.com.br",
    ]
)


def email_domain(raw: str) -> str:
    """The normalised domain of a syntactically valid address. Raises Invalid("invalid_email")."""
    match = _EMAIL.match(raw.strip())
    if match is None:
        raise Invalid("invalid_email", "not an e-mail address")
    try:
        return normalize_domain(match.group(1))
    except Invalid as exc:
        raise Invalid("invalid_email", "bad domain in e-mail address") from exc


def is_personal_domain(domain: str) -> bool:
    return domain in PERSONAL_EMAIL_DOMAINS or any(domain.endswith("." + d) for d in PERSONAL_EMAIL_DOMAINS)


# Consumer personal data that has no place in a B2B contact: phone numbers, national ids, cards.
_PERSONAL_DATA = re.compile(
    r"(\b\d{3}-\d{2}-\d{4}\b)|(\b(?:\d[ -]?){13,19}\b)|(\+?\d[\d ().-]{8,}\d)|(\b(?:born|dob|d\.o\.b)\b)",
    re.IGNORECASE,
)


def looks_like_personal_data(text: str) -> bool:
    return bool(_PERSONAL_DATA.search(text))


# --- text --------------------------------------------------------------------------------------
class _Stripper(HTMLParser):
    SKIP = frozenset({"script", "style", "noscript", "template", "head"})
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "td"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


_TAG_HINT = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|&[#A-Za-z0-9]+;")
_WS = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MOJIBAKE = re.compile(r"(?:Ã[\x80-\xbf]|â€|Â[\x80-\xbf ])")


# In ASCII, `_LETTER` matches exactly A-Z and a-z: counting them is deleting every other byte.
_ASCII_NON_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())


def _letters(text: str) -> int:
    """How many characters of `text` match `_LETTER` (Unicode letters)."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _ASCII_NON_LETTERS))
    return len(_LETTER.findall(text))


def strip_html(text: str) -> str:
    """Remove tags (and the content of script/style), decode entities."""
    if not _TAG_HINT.search(text):
        return text
    parser = _Stripper()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # HTMLParser is lenient; never let odd markup fail a snippet
        return html.unescape(re.sub(r"<[^>]*>", " ", text))
    return "".join(parser.parts)


def clean_text(raw: str, *, max_chars: int) -> str:
    """HTML stripped, Unicode NFC, control characters removed, whitespace collapsed, then checked:
    not empty, not too long, no broken encoding, mostly letters (prose, not binary or symbol spam)."""
    if len(raw) > max_chars * 4:
        raise Invalid("too_long", f"text longer than {max_chars} characters")
    text = unicodedata.normalize("NFC", strip_html(raw))
    if "\ufffd" in text or _MOJIBAKE.search(text) or _SURROGATE.search(text):
        raise Invalid("encoding", "text has broken encoding (replacement characters or mojibake)")
    text = _WS.sub(" ", text).strip()
    if not text.isprintable():  # fast path: almost all text is printable after the whitespace pass
        text = _WS.sub(" ", "".join(c if c.isprintable() else " " for c in text)).strip()
    if not text:
        raise Invalid("empty", "text is empty after cleaning")
    if len(text) > max_chars:
        raise Invalid("too_long", f"text longer than {max_chars} characters")
    visible = len(text) - text.count(" ")
    letters = _letters(text)
    if letters < 2 or letters / visible < 0.5:
        raise Invalid("not_prose", "text is mostly not letters")
    return text


def clean_field(raw: str, *, max_chars: int) -> str:
    """A short free-text field (name, title, industry): HTML stripped, whitespace collapsed, truncated."""
    text = _WS.sub(" ", unicodedata.normalize("NFC", strip_html(raw))).strip()
    if not text.isprintable():
        text = _WS.sub(" ", "".join(c if c.isprintable() else " " for c in text)).strip()
    return text[:max_chars]
