"""Transports: one function per channel taking a Notification and returning the request it sent.

The default configuration sends nothing out: email goes to Django's console backend, and SMS/WeChat
write their would-be request to the console/log file (ANXIN_SMS_URL / ANXIN_WECHAT_URL unset).
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import urllib.request
from urllib.parse import urlencode, urlparse

from django.conf import settings
from django.core.mail import EmailMessage

logger = logging.getLogger("anxin.notifications")


class TransportError(Exception):
    """The provider refused, timed out or answered an error; the caller retries with back-off."""


def _post_json(url: str, payload: dict, headers: dict[str, str]) -> dict:
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:
            status = response.status
    except Exception as exc:  # noqa: BLE001 — every failure means "retry later"
        raise TransportError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    if status >= 300:
        raise TransportError(f"HTTP {status}")
    return {"url": url, "json": payload, "status": status}


def _log_only(channel: str, payload: dict) -> dict:
    line = json.dumps({"channel": channel, **payload}, ensure_ascii=False)
    logger.info("notification %s", line)
    if settings.NOTIFY_LOG_FILE:
        with open(settings.NOTIFY_LOG_FILE, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    return {"logged": payload}


THREAD_HEADERS = ("Message-ID", "In-Reply-To", "References")


def send_email(n) -> dict:
    """To a user's address, or to `to_address` (a customer reached by mail). Only the threading headers that
    intake put in `request` are passed on; the body is plain text."""
    address = n.to_address if "@" in (n.to_address or "") else (n.recipient.email if n.recipient else "")
    if not address:
        raise TransportError("the recipient has no email address")
    thread = {k: v for k, v in (n.request.get("headers") or {}).items() if k in THREAD_HEADERS}
    # SECURITY-CASES 24: CR/LF in a customer-supplied subject must not become a header
    message = EmailMessage(subject=" ".join(n.subject.split()), body=n.body, to=[address],
                           # a customer's answer comes from the service mailbox (their reply threads back into the
                           # order); staff notifications from the system address, so a reply never opens an order
                           from_email=(settings.MAIL_ADDRESS if n.to_address else "") or settings.DEFAULT_FROM_EMAIL,
                           headers={"Auto-Submitted": "auto-generated",  # SECURITY-CASES 19: never answered
                                    "X-Anxin-Notification": str(n.pk), **thread})
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 — SMTP down, refused, bad header: retry later, never crash the loop
        raise TransportError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    return {"to": address, "subject": message.subject, "headers": dict(message.extra_headers)}


def send_sms(n) -> dict:
    phone = n.to_address or (n.recipient.phone if n.recipient else "")
    payload = {"phone": phone, "text": f"{n.subject} {n.body}".strip()[:300], "out_id": f"anxin-{n.pk}"}
    if not phone:
        raise TransportError("the recipient has no phone number")
    if not settings.SMS_URL:
        return _log_only("sms", payload)
    return _post_json(settings.SMS_URL, payload, {"Authorization": f"Bearer {settings.SMS_API_KEY}"})


def send_wechat(n) -> dict:
    # a customer's OpenID is the row's address; a staff member's is on their notification preference
    openid = n.to_address or getattr(getattr(n.recipient, "notification_preference", None), "wechat_openid", "")
    payload = {"touser": openid, "template_id": settings.WECHAT_TEMPLATE_ID, "url": n.url,
               "data": {"first": {"value": n.subject}, "remark": {"value": n.body[:200]}},
               "client_msg_id": f"anxin-{n.pk}"}
    if not openid:
        raise TransportError("the recipient has no WeChat OpenID")
    if not settings.WECHAT_URL:
        return _log_only("wechat", payload)
    return _post_json(settings.WECHAT_URL, payload, {})



def wechat_authorize_url(*, redirect_uri: str, state: str) -> str:
    """Where the portal sends a customer to be recognised by the service account (silent in WeChat's browser)."""
    query = urlencode({"appid": settings.WECHAT_APPID, "redirect_uri": redirect_uri, "response_type": "code",
                       "scope": "snsapi_base", "state": state})
    return f"{settings.WECHAT_AUTHORIZE_URL}?{query}#wechat_redirect"


def wechat_openid_for(code: str) -> str:
    """The OpenID behind a sign-in code (WeChat's answer to the redirect). TransportError when refused."""
    query = urlencode({"appid": settings.WECHAT_APPID, "secret": settings.WECHAT_SECRET, "code": code,
                       "grant_type": "authorization_code"})
    try:
        with urllib.request.urlopen(f"{settings.WECHAT_TOKEN_URL}?{query}",
                                    timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:
            answer = json.loads(response.read(10_000) or b"{}")
    except Exception as exc:  # noqa: BLE001 — down, slow, not JSON: the customer is told to try again
        raise TransportError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    openid = answer.get("openid") if isinstance(answer, dict) else None
    if not isinstance(openid, str) or not 0 < len(openid) <= 64:
        raise TransportError(f"no openid: errcode {answer.get('errcode') if isinstance(answer, dict) else '?'}")
    return openid

def check_webhook_url(url: str) -> list[str]:
    """SECURITY-CASES 40: only http(s) to a public address; checked at save and again at send.
    Returns the addresses checked: the send connects to one of them, never to a second lookup's answer."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError("only http(s) URLs")
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise ValueError(f"cannot resolve {parsed.hostname}") from exc
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not _is_public(address):
            raise ValueError(f"{parsed.hostname} resolves to a non-public address")
        addresses.append(str(address))
    return addresses


def _is_public(address) -> bool:
    return address.is_global


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked; the Host header still names the host."""

    def __init__(self, host: str, address: str, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, **kwargs):
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # the certificate names the host


def send_webhook(endpoint, payload: dict) -> dict:
    """Issue 13: no redirects (a public host answering 302 to 127.0.0.1 reached the internal address), and the
    connection goes to the address that passed the check (no second DNS answer)."""
    try:
        addresses = check_webhook_url(endpoint.url)
    except ValueError as exc:
        raise TransportError(str(exc)) from exc
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    signature = "sha256=" + hmac.new(endpoint.secret.encode(), body, hashlib.sha256).hexdigest()
    parsed = urlparse(endpoint.url)
    kind = _PinnedHTTPSConnection if parsed.scheme == "https" else _PinnedHTTPConnection
    conn = kind(parsed.hostname, addresses[0], port=parsed.port, timeout=settings.NOTIFY_HTTP_TIMEOUT)
    path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
    try:
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "X-Anxin-Signature": signature,
            "X-Anxin-Delivery": payload.get("id", "")})
        status = conn.getresponse().status
    except Exception as exc:  # noqa: BLE001 — every failure means "retry later"
        raise TransportError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    finally:
        conn.close()
    if 300 <= status < 400:
        raise TransportError(f"HTTP {status}: redirects are not followed")
    if status >= 300:
        raise TransportError(f"HTTP {status}")
    return {"url": endpoint.url, "json": payload, "status": status, "address": addresses[0]}


SENDERS = {"email": send_email, "sms": send_sms, "wechat": send_wechat}
