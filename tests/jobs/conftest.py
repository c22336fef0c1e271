"""Fixtures of the fault tests: a TCP proxy the test owns and cuts (the shared PostgreSQL and Redis are never
stopped), and a real beat process."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from tests.conftest import BASE_DIR, database_url_of_test_db


class TcpProxy:
    """Forwards 127.0.0.1:port to a server. cut() drops every connection and refuses new ones, as a server that went
    away; restore() accepts again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.restore()

    def url(self, url: str) -> str:
        """The URL with the proxy's address in place of the server's."""
        parts = urlsplit(url)
        auth = parts.netloc.rpartition("@")[0]
        return urlunsplit(parts._replace(netloc=f"{auth + '@' if auth else ''}127.0.0.1:{self.port}"))

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def tcp_proxy() -> Iterator[Callable[[str], TcpProxy]]:
    """tcp_proxy(url) → a proxy in front of the server of the URL (PostgreSQL or Redis); closed at the end."""
    proxies: list[TcpProxy] = []

    def start(url: str) -> TcpProxy:
        parts = urlsplit(url)
        proxy = TcpProxy(
            parts.hostname or "127.0.0.1", parts.port or (5432 if parts.scheme.startswith("postgres") else 6379)
        )
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.close()


@pytest.fixture
def celery_beat_process() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start a real beat process (the project's scheduler, reading this test's database) that sends to a queue."""
    started: list[subprocess.Popen] = []

    def start(*, queue: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        name = f"beat-{queue}-{uuid.uuid4().hex[:6]}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url_of_test_db(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "DEBUG": "true",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **(extra_env or {}),
        }
        log = open(BASE_DIR / "var" / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info", "--pidfile=", "-s", "/dev/null"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        proc.log_path = BASE_DIR / "var" / f"{name}.log"  # type: ignore[attr-defined]
        started.append(proc)
        return proc

    (BASE_DIR / "var").mkdir(exist_ok=True)
    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
