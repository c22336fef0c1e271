"""Sending one rendered message through one channel: the vendors' payloads and signatures, over plain HTTP.

WeCom group robot: POST {"msgtype": "text", "text": {"content", "mentioned_mobile_list"}}, success {"errcode": 0}.
DingTalk custom robot, signed: timestamp (ms) and sign = urlencode(base64(HmacSHA256(key=secret,
msg=f"{timestamp}\\n{secret}"))) in the query; {"msgtype": "text", "text": {"content"}, "at": {"atMobiles"}},
success {"errcode": 0}. Feishu custom bot, signed: {"timestamp" (s), "sign": base64(HmacSHA256(key=f"{timestamp}\\n
{secret}", msg=b"")), "msg_type": "text", "content": {"text"}}, success {"code": 0}.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from notifications.events import Message
from notifications.models import Channel, ChannelKind

TIMEOUT_SECONDS = 10


class SendError(Exception):
    """A message not delivered; code is what the delivery records (no secret, no address). final: no retry helps."""

    def __init__(self, code: str, *, final: bool = False) -> None:
        super().__init__(code)
        self.code = code[:200]
        self.final = final


def dingtalk_sign(secret: str, timestamp: int) -> str:
    """DingTalk's signature, before URL-encoding: base64(HmacSHA256(secret, "timestamp\\nsecret"))."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu's signature: the HMAC-SHA256 of an empty message keyed by "timestamp\\nsecret", base64."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _request(channel: Channel, message: Message, handle: str, name: str, now: float) -> tuple[str, dict[str, Any]]:
    """The address and JSON body of the message for the channel's vendor; a group reads it, so it names its reader."""
    url, text = channel.webhook_url, f"{name}: {message.plain}" if name else message.plain
    if channel.kind == ChannelKind.WECOM:
        body: dict[str, Any] = {"msgtype": "text", "text": {"content": text}}
        if handle:
            body["text"]["mentioned_mobile_list"] = [handle]
        return url, body
    if channel.kind == ChannelKind.DINGTALK:
        # DingTalk @-mentions a mobile only when the text names it too.
        body = {"msgtype": "text", "text": {"content": f"{text} @{handle}" if handle else text}}
        body["at"] = {"atMobiles": [handle] if handle else [], "isAtAll": False}
        if channel.secret:
            timestamp = int(now * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(channel.secret, timestamp))
            url += ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={sign}"
        return url, body
    if channel.kind == ChannelKind.FEISHU:
        mention = f' <at user_id="{handle}"></at>' if handle else ""
        body = {"msg_type": "text", "content": {"text": text + mention}}
        if channel.secret:
            timestamp = int(now)
            body = {"timestamp": str(timestamp), "sign": feishu_sign(channel.secret, timestamp), **body}
        return url, body
    raise SendError(f"unknown_channel_kind:{channel.kind}", final=True)


def _succeeded(kind: str, answer: dict[str, Any]) -> str:
    """ "" when the vendor's answer says the message was taken, else its error code."""
    code = answer.get("code", answer.get("StatusCode")) if kind == ChannelKind.FEISHU else answer.get("errcode")
    return "" if code == 0 else f"{kind}_error:{code}"


def webhook_send(*, channel: Channel, message: Message, handle: str = "", name: str = "") -> None:
    """POST the message to the channel's robot; raises SendError unless the vendor answered success."""
    url, body = _request(channel, message, handle, name, time.time())
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - https/http only
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SendError(f"http_{exc.code}") from exc
    except TimeoutError as exc:
        raise SendError("timeout") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise SendError("timeout") from exc
        raise SendError(f"unreachable:{reason.__class__.__name__}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise SendError("bad_response") from exc
    error = _succeeded(channel.kind, answer if isinstance(answer, dict) else {})
    if error:
        raise SendError(error)


def email_send(*, address: str, message: Message) -> None:
    """E-mail the message; raises SendError when there is no address or the mail server refuses it."""
    if not address:
        raise SendError("no_address", final=True)
    try:
        send_mail(message.title, message.plain, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
    except Exception as exc:  # smtplib, socket and backend errors alike: the mail server did not take it
        raise SendError(f"mail_error:{exc.__class__.__name__}") from exc
