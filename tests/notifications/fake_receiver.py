"""A fake WeCom, DingTalk and Feishu receiver: a real HTTP server on 127.0.0.1, one path per vendor, that checks each
vendor's payload shape and verifies its signature with the vendor's own algorithm (computed here, independently of
the code under test), answering as the vendor does: success, or the vendor's error for a bad signature or payload."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WECOM_KEY = "wecom-robot-key"
DINGTALK_TOKEN = "dingtalk-access-token"
FEISHU_HOOK = "feishu-hook-id"
HOUR_MS = 3_600_000

WECOM_OK = {"errcode": 0, "errmsg": "ok"}
DINGTALK_OK = {"errcode": 0, "errmsg": "ok"}
FEISHU_OK = {"code": 0, "msg": "success", "data": {}}


def _text_ok(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


class FakeReceiver:
    """Start it, point the channels at url(kind), read what each vendor accepted in `accepted[kind]` and what it
    refused, with why, in `refused`."""

    def __init__(self, *, dingtalk_secret: str = "", feishu_secret: str = "", port: int = 0) -> None:
        self.secrets = {"dingtalk": dingtalk_secret, "feishu": feishu_secret}
        self.accepted: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.refused: list[tuple[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, answer = receiver.handle(self.path, self.headers.get("Content-Type", ""), raw)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, kind: str) -> str:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        return {
            "wecom": f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}",
            "dingtalk": f"{base}/robot/send?access_token={DINGTALK_TOKEN}",
            "feishu": f"{base}/open-apis/bot/v2/hook/{FEISHU_HOOK}",
        }[kind]

    # --- the vendors ----------------------------------------------------------------------------------------------

    def handle(self, path: str, content_type: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        if not content_type.startswith("application/json"):
            return self._refuse("any", "not json", 400, {"errcode": 40001})
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return self._refuse("any", "bad json", 400, {"errcode": 40001})
        if parts.path == "/cgi-bin/webhook/send":
            return self._wecom(query, body)
        if parts.path == "/robot/send":
            return self._dingtalk(query, body)
        if parts.path == f"/open-apis/bot/v2/hook/{FEISHU_HOOK}":
            return self._feishu(body)
        return self._refuse("any", f"no such path {parts.path}", 404, {})

    def _refuse(self, kind: str, why: str, status: int, answer: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.refused.append((kind, why))
        return status, answer

    def _wecom(self, query: dict[str, list[str]], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if query.get("key") != [WECOM_KEY]:
            return self._refuse("wecom", "bad key", 200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        text = body.get("text") if isinstance(body.get("text"), dict) else {}
        mentioned = text.get("mentioned_mobile_list", [])
        if (
            body.get("msgtype") != "text"
            or not _text_ok(text.get("content"))
            or len(text["content"].encode()) > 2048
            or not (isinstance(mentioned, list) and all(isinstance(m, str) for m in mentioned))
        ):
            return self._refuse("wecom", "bad payload", 200, {"errcode": 40008, "errmsg": "invalid message type"})
        self.accepted["wecom"].append(body)
        return 200, WECOM_OK

    def _dingtalk(self, query: dict[str, list[str]], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if query.get("access_token") != [DINGTALK_TOKEN]:
            return self._refuse("dingtalk", "bad token", 200, {"errcode": 300001, "errmsg": "token is not exist"})
        secret = self.secrets["dingtalk"]
        if secret:
            timestamp, sign = (query.get("timestamp") or [""])[0], (query.get("sign") or [""])[0]
            if not timestamp.isdigit() or abs(int(time.time() * 1000) - int(timestamp)) > HOUR_MS:
                return self._refuse("dingtalk", "timestamp", 200, {"errcode": 310000, "errmsg": "sign not match"})
            # parse_qs has URL-decoded the sign; DingTalk signs "timestamp\nsecret" with the secret as the key.
            digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(sign, base64.b64encode(digest).decode()):
                return self._refuse("dingtalk", "signature", 200, {"errcode": 310000, "errmsg": "sign not match"})
        text = body.get("text") if isinstance(body.get("text"), dict) else {}
        at = body.get("at", {})
        mobiles = at.get("atMobiles", []) if isinstance(at, dict) else None
        if (
            body.get("msgtype") != "text"
            or not _text_ok(text.get("content"))
            or not isinstance(mobiles, list)
            or any(f"@{mobile}" not in text["content"] for mobile in mobiles)
        ):
            return self._refuse("dingtalk", "bad payload", 200, {"errcode": 40035, "errmsg": "missing parameter"})
        self.accepted["dingtalk"].append(body)
        return 200, DINGTALK_OK

    def _feishu(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        secret = self.secrets["feishu"]
        sign_fail = {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
        if secret:
            timestamp, sign = str(body.get("timestamp", "")), body.get("sign", "")
            if not timestamp.isdigit() or abs(int(time.time()) - int(timestamp)) > HOUR_MS // 1000:
                return self._refuse("feishu", "timestamp", 200, sign_fail)
            # Feishu keys the HMAC with "timestamp\nsecret" and signs an empty message.
            digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
            if not isinstance(sign, str) or not hmac.compare_digest(sign, base64.b64encode(digest).decode()):
                return self._refuse("feishu", "signature", 200, sign_fail)
        content = body.get("content") if isinstance(body.get("content"), dict) else {}
        if body.get("msg_type") != "text" or not _text_ok(content.get("text")):
            return self._refuse("feishu", "bad payload", 200, {"code": 9499, "msg": "Bad Request"})
        self.accepted["feishu"].append(body)
        return 200, FEISHU_OK
