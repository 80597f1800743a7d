"""Load for the crash tests: client threads that file distinct applications the way a
well-behaved portal does. A client that gets no receipt (connection refused or reset, a
timeout, a 5xx) sends the same message again, same message UUID, until a receipt comes; the
intake answers a re-send with the first receipt. Every receipt is written to a client-side
log the moment it arrives, so it can be checked against the database after the crashes.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.production.stack import Stack, message

REQUEST_TIMEOUT = 20.0  # seconds; a request cut off by a crash fails at once anyway
GIVE_UP_AFTER = 75.0  # seconds one message is re-sent before the client gives up on it


@dataclass(frozen=True)
class Receipt:
    message_uuid: str
    submission_id: str
    case_id: str
    case_reference: str
    status: int  # 201: stored now; 200: a re-send, answered with the first receipt


@dataclass
class ReceiptLog:
    """The clients' log of receipts: a JSON line each, flushed when the receipt arrives."""

    path: Path
    receipts: list[Receipt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, receipt: Receipt) -> None:
        with self.lock, open(self.path, "a") as log:
            log.write(json.dumps(asdict(receipt)) + "\n")
            log.flush()
            self.receipts.append(receipt)

    def by_message(self) -> dict[str, list[Receipt]]:
        found: dict[str, list[Receipt]] = {}
        for receipt in self.receipts:
            found.setdefault(receipt.message_uuid, []).append(receipt)
        return found


@dataclass
class Load:
    """`clients` threads filing applications until `stop()`; each finishes the message in
    hand (re-sending until its receipt) before it stops."""

    stack: Stack
    log: ReceiptLog
    clients: int = 4
    seed: int = 0
    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)  # what answered instead, by kind
    unexpected: list[str] = field(default_factory=list)  # answers no outage may give
    unanswered: list[str] = field(default_factory=list)  # message UUIDs given up on
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Load:
        for number in range(self.clients):
            thread = threading.Thread(target=self._client, args=(number,), daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=GIVE_UP_AFTER + REQUEST_TIMEOUT + 5)
        assert not any(t.is_alive() for t in self.threads), "a load client did not stop"

    def wait_for_receipts(self, more: int, seconds: float = 30) -> None:
        """Until `more` further receipts arrived (the system is taking work again)."""
        target = len(self.log.receipts) + more
        deadline = time.monotonic() + seconds
        while len(self.log.receipts) < target:
            self.stack.fail_if_dead()
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {more} receipts within {seconds} s: {self.summary()}\n"
                    + self.stack.tails()
                )
            time.sleep(0.05)

    def summary(self) -> str:
        return (
            f"{len(self.log.receipts)} receipts for {self.sent} messages, "
            f"failed answers {dict(self.failures)}, unexpected {self.unexpected[:5]}, "
            f"unanswered {self.unanswered[:5]}"
        )

    def _client(self, number: int) -> None:
        pause = random.Random(self.seed * 100 + number)
        while not self.stop_event.is_set():
            message_uuid, body = message()
            with self.lock:
                self.sent += 1
            self._file(message_uuid, body, pause)

    def _file(self, message_uuid: str, body: bytes, pause: random.Random) -> None:
        """Send until a receipt comes (same UUID every time), or give up after a while."""
        deadline = time.monotonic() + GIVE_UP_AFTER
        while time.monotonic() < deadline:
            status, answer = self._post(body)
            if status in (200, 201):
                self._receipt(message_uuid, status, answer)
                return
            if status and not (status == 503 and set(answer) >= {"code", "correlation_id"}):
                with self.lock:
                    self.unexpected.append(f"{status} {json.dumps(answer)[:300]}")
            if status:
                self._count(f"{status} {answer.get('code')}")
            time.sleep(pause.uniform(0.05, 0.3))
        with self.lock:
            self.unanswered.append(message_uuid)

    def _post(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """(status, JSON body), or (0, {}) when no HTTP answer came at all."""
        request = urllib.request.Request(
            f"{self.stack.url}/api/v1/submissions",
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {self.stack.token()}",
                "Content-Type": "application/xml",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                return int(response.status), _json(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json(exc.read())
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out
            reason = getattr(exc, "reason", exc)
            self._count(f"no answer: {type(reason).__name__}")
            return 0, {}

    def _count(self, kind: str) -> None:
        with self.lock:
            self.failures[kind] += 1

    def _receipt(self, message_uuid: str, status: int, answer: dict[str, Any]) -> None:
        receipt = Receipt(
            message_uuid,
            str(answer["submission_id"]),
            str(answer["case_id"]),
            str(answer["case_reference"]),
            status,
        )
        self.log.add(receipt)
        self.stack.receipts.add(receipt.submission_id)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        found = json.loads(raw or b"{}")
    except ValueError:
        return {"raw": raw[:300].decode(errors="replace")}
    return found if isinstance(found, dict) else {"raw": str(found)[:300]}


@dataclass
class OutboxLoad:
    """A side effect per `every`-th receipt, written as a workflow step writes it: an outbox
    row (`test.http`, to the deduplicating receiver) in its own transaction, then dispatched
    after the commit. Written from the test process, so it keeps going through the crashes
    (a database outage is waited out; a lost broker message is the sweep's to find)."""

    stack: Stack
    log: ReceiptLog
    every: int = 2
    rows: list[str] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    error: Exception | None = None

    def start(self) -> OutboxLoad:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Finish the receipts logged so far, then stop."""
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=GIVE_UP_AFTER)
            assert not self.thread.is_alive(), "the outbox load did not stop"
        if self.error is not None:
            raise AssertionError(f"the outbox load failed: {self.error!r}") from self.error

    def _run(self) -> None:
        try:
            self._write_rows()
        except Exception as exc:  # reported by stop(), in the test's thread
            self.error = exc

    def _write_rows(self) -> None:
        done = 0
        while True:
            stopping = self.stop_event.is_set()
            receipts = self.log.receipts[done:]
            for receipt in receipts[:: self.every]:
                self.rows.append(self.send(receipt.case_id))
            done += len(receipts)
            if stopping:
                return
            time.sleep(0.1)

    def send(self, case_id: str, payload: dict[str, Any] | None = None) -> str:
        """One `test.http` row for the case (`{"sleep": s}`: a slow first delivery)."""
        return self.stack.send_row(case_id, "test.http", payload or {}, GIVE_UP_AFTER)
