"""Read one raw mail into what intake needs, within fixed bounds (SECURITY-CASES 19, 23, 25).

Pure functions, no database: `parse_mail(raw)` returns a `ParsedMail` or raises `Quarantine` with a
reason. Untrusted text is never given to a backtracking regex: the only patterns used here are
anchored and linear (ids in angle brackets, an order tag, a mobile number).
"""

import email
import email.utils
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from html import unescape

import nh3
from django.conf import settings

from anxin.core.text import without_controls

# Chinese mail still arrives as GB2312/GBK; GB18030 reads both and more.
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")
ORDER_TAG = re.compile(r"\[(GD\d{8}-\d{4,6})\]")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")


class Quarantine(Exception):  # noqa: N818 — an outcome, not a failure
    """The mail is parked for a person to look at; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class MailPart:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    from_address: str
    from_name: str
    subject: str
    text: str
    references: list[str] = field(default_factory=list)
    parts: list[MailPart] = field(default_factory=list)
    auto_reason: str = ""  # why no person wrote it (auto-reply, bounce, list…); empty for a person's mail
    headers: dict[str, str] = field(default_factory=dict)


def header_text(value: str | None, limit: int = 300) -> str:
    """A header decoded from RFC 2047 words into one line of at most `limit` characters (no CR/LF left)."""
    if not value:
        return ""
    value = str(value)[: limit * 8]
    try:
        text = str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        text = value
    return " ".join(text.split())[:limit]


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = (part.get_content_charset() or "utf-8").lower()
    charset = CHARSET_ALIASES.get(charset, charset)
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def html_to_text(html: str) -> str:
    """HTML reduced to its text by an allow-list sanitiser: scripts, frames and remote images are gone,
    block ends become line breaks."""
    html = re.sub(r"(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\b", lambda m: "\n" + m.group(0), html)
    text = nh3.clean(html, tags=set(), clean_content_tags={"script", "style", "title", "head"})
    return _tidy(unescape(text))


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def strip_quoted(text: str) -> str:
    """A reply without the quoted mail below it (lines starting with '>' and the "On … wrote:" line)."""
    kept = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        if stripped.startswith(("-----Original Message-----", "-----原始邮件-----", "------------------ 原始邮件")):
            break
        kept.append(line)
    while kept and (kept[-1].strip().endswith(("wrote:", "写道：", "写道:")) or not kept[-1].strip()):
        kept.pop()
    return _tidy("\n".join(kept))


def auto_reason(msg: Message, from_address: str) -> str:
    """SECURITY-CASES 19: why this mail was written by a machine (never answered, never an order), or ''."""
    auto = (msg.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return f"auto-submitted: {auto[:40]}"
    if msg.get_content_type() == "multipart/report":
        return "delivery report"
    if (msg.get("Precedence") or "").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return "precedence: " + msg["Precedence"].strip().lower()[:20]
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if msg.get(name):
            return name.lower()
    if msg.get("List-Id") or msg.get("List-Unsubscribe"):
        return "mailing list"
    if from_address.split("@")[0].lower() in BOUNCE_SENDERS:
        return "bounce"
    return_path = msg.get("Return-Path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        return "empty return path"
    return ""


def _walk(msg: Message) -> list[tuple[Message, int]]:
    """Every part with its depth, without recursion; bounded by MAIL_MAX_PARTS and MAIL_MAX_DEPTH."""
    out, stack = [], [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        if depth > settings.MAIL_MAX_DEPTH:
            raise Quarantine("MIME nested too deep")
        out.append((part, depth))
        if len(out) > settings.MAIL_MAX_PARTS:
            raise Quarantine("too many MIME parts")
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend((child, depth + 1) for child in reversed(payload))
    return out


def parse_mail(raw: bytes) -> ParsedMail:
    """Raises Quarantine for a mail that is too large, too deep, has too many recipients or no sender."""
    if len(raw) > settings.MAIL_MAX_BYTES:
        raise Quarantine("too large")
    try:
        msg = email.message_from_bytes(raw)
    except RecursionError as exc:
        raise Quarantine("MIME nested too deep") from exc
    recipients = sum((msg.get(name) or "").count("@") for name in ("To", "Cc"))
    if recipients > settings.MAIL_MAX_RECIPIENTS:
        raise Quarantine("too many recipients")
    from_name, from_address = email.utils.parseaddr(header_text(msg.get("From"), 300))
    from_address = from_address.strip().lower()
    if not re.fullmatch(r"[^@\s<>\"',;]{1,64}@[a-z0-9.-]{1,190}", from_address):
        raise Quarantine("no valid sender")
    # header_text: a long id may arrive folded as an RFC 2047 encoded word
    ids = MESSAGE_ID.findall(header_text(msg.get("Message-ID"), 1000))
    message_id = ids[0].lower() if ids else ""
    references = []
    for name in ("In-Reply-To", "References"):
        references += [r.lower() for r in MESSAGE_ID.findall(header_text(msg.get(name), 20_000))]
    parts = _walk(msg)
    plain, html, files = [], [], []
    for part, _depth in parts:
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        filename = header_text(part.get_filename(), 200)
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        if not filename and disposition != "attachment" and content_type == "text/plain":
            plain.append(_decoded(part))
        elif not filename and disposition != "attachment" and content_type == "text/html":
            html.append(_decoded(part))
        elif content_type.startswith(("image/", "application/")) or filename:
            # cid: images inline in HTML are stored like attachments; the server fetches no remote image
            files.append(MailPart(name=filename or f"image.{content_type.split('/')[-1][:10]}",
                                  content_type=content_type, data=part.get_payload(decode=True) or b""))
    text = _tidy("\n".join(plain)) if plain else html_to_text("\n".join(html))
    return ParsedMail(
        message_id=message_id, from_address=from_address, from_name=without_controls(header_text(from_name, 50)),
        subject=without_controls(header_text(msg.get("Subject"), 200)), text=without_controls(text[:20_000]), references=references[:50],
        parts=files[:settings.MAIL_MAX_ATTACHMENTS], auto_reason=auto_reason(msg, from_address),
        headers={name: header_text(msg.get(name), 200) for name in ("X-Anxin-Notification", "Auto-Submitted")
                 if msg.get(name)},
    )


def order_tag(subject: str) -> str:
    match = ORDER_TAG.search(subject[:300])
    return match.group(1) if match else ""


def mobiles_in(text: str) -> list[str]:
    return MOBILE.findall(text[:5000])[:5]
