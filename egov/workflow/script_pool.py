"""A small pool of sandbox subprocesses that run BPMN scripts and expressions.

Each egov process (web worker, Celery worker, CLI) gets its own pool, created on first use and
keyed by its process id: after a fork (gunicorn, Celery prefork) the child never reuses the
parent's subprocesses, and the pipes it inherited are closed. A pool holds up to
``pool_size`` subprocesses (:mod:`egov.workflow.script_child`), started when a call needs one;
a web thread takes a free one or waits for it, so calls are safe from many threads.

Limits, per call:

* wall clock (``time_seconds``): enforced here; past it the subprocess is killed
  (``SIGKILL``) and a fresh one takes its place at the next call;
* CPU time (``cpu_seconds``) and memory (``memory_mb``): enforced by the kernel in the
  subprocess (``RLIMIT_CPU``, ``RLIMIT_AS``), so they hold inside one builtin call;
* size of an answer: at most :data:`egov.workflow.script_codec.MAX_FRAME_BYTES`.

Failures raise :class:`ScriptError` or its subclasses :class:`ScriptTimeLimit` and
:class:`ScriptMemoryLimit`. The subprocess only ever sends JSON frames; nothing it sends is
unpickled or executed here.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from egov.workflow import script_codec as codec
from egov.workflow.script_rules import (
    ScriptError,
    ScriptMemoryLimit,
    ScriptTimeLimit,
    safe_message,
)

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]  # the folder that holds the egov package
BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from egov.workflow.script_child import main; main(sys.argv[2:])"
)
STARTUP_SECONDS = 10.0
CHUNK = 1 << 16


@dataclass(frozen=True)
class ScriptLimits:
    """The sandbox settings (EGOV_SCRIPT_*): wall clock per call, pool size, memory and CPU
    caps of one subprocess."""

    time_seconds: float = 1.0
    pool_size: int = 2
    memory_mb: int = 256
    cpu_seconds: int = 2

    @property
    def pool_key(self) -> tuple[int, int, int]:
        return (self.pool_size, self.memory_mb, self.cpu_seconds)


class _Ended(Exception):
    """The exchange with a subprocess failed; ``reason`` tells how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Worker:
    """One sandbox subprocess and the two pipes to it."""

    def __init__(self, limits: ScriptLimits) -> None:
        self.limits = limits
        self.process = subprocess.Popen(
            self._command(limits),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={},
            cwd="/",
            close_fds=True,
            start_new_session=True,
            bufsize=0,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in = self.process.stdin.fileno()
        self._out = self.process.stdout.fileno()
        os.set_blocking(self._in, False)
        os.set_blocking(self._out, False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._out, selectors.EVENT_READ)
        self._buffer = bytearray()

    @staticmethod
    def _command(limits: ScriptLimits) -> list[str]:
        memory, cpu = str(limits.memory_mb), str(limits.cpu_seconds)
        return [sys.executable, "-I", "-S", "-c", BOOT, str(ROOT), memory, cpu]

    def wait_ready(self) -> None:
        """Waits for the frame the subprocess sends once its limits are set."""
        body = self._pump(memoryview(b""), time.monotonic() + STARTUP_SECONDS)
        if codec.loads(body).get("ready") is not True:
            raise _Ended("protocol")

    def exchange(self, body: bytes, deadline: float) -> bytes:
        """Sends one request frame and returns the body of the answer frame."""
        self._read_unasked()
        pending = memoryview(codec.frame(body))
        pending = pending[self._write(pending) :]
        if pending:
            self._selector.register(self._in, selectors.EVENT_WRITE)
        try:
            return self._pump(pending, deadline)
        finally:
            if self._in in self._selector.get_map():
                self._selector.unregister(self._in)

    def _pump(self, pending: memoryview, deadline: float) -> bytes:
        while True:
            reply = self._take_frame()
            if reply is not None:
                if pending:
                    raise _Ended("protocol")  # answered before it read the request
                return reply
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Ended("timeout")
            for key, _events in self._selector.select(remaining):
                if key.fd == self._in:
                    pending = pending[self._write(pending) :]
                    if not pending:
                        self._selector.unregister(self._in)
                else:
                    self._read()

    def _read_unasked(self) -> None:
        """Between calls the subprocess must be silent; anything it sent unasked is a breach."""
        try:
            self._read()
        except _Ended as ended:
            if ended.reason != "died":
                raise
            return  # it ended meanwhile: the write or read of this call reports it
        if self._buffer:
            raise _Ended("protocol")

    def _write(self, data: memoryview) -> int:
        try:
            return os.write(self._in, data[:CHUNK])
        except BlockingIOError:
            return 0
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise _Ended("died") from exc

    def _read(self) -> None:
        try:
            chunk = os.read(self._out, CHUNK)
        except BlockingIOError:
            return
        if not chunk:
            raise _Ended("died")
        self._buffer += chunk
        if len(self._buffer) >= codec.HEADER.size:
            (size,) = codec.HEADER.unpack_from(self._buffer)
            if size > codec.MAX_FRAME_BYTES:
                raise _Ended("oversized")

    def _take_frame(self) -> bytes | None:
        if len(self._buffer) < codec.HEADER.size:
            return None
        (size,) = codec.HEADER.unpack_from(self._buffer)
        end = codec.HEADER.size + size
        if len(self._buffer) < end:
            return None
        if len(self._buffer) > end:
            raise _Ended("protocol")  # more than one answer
        body = bytes(self._buffer[codec.HEADER.size : end])
        self._buffer.clear()
        return body

    def kill(self) -> int:
        """Ends the subprocess (SIGKILL if it still runs) and returns its exit status."""
        if self.process.poll() is None:
            self.process.kill()
        status = self.process.wait()
        self.release()
        return status

    def stop(self, timeout: float = 1.0) -> None:
        """Asks the subprocess to end (closes its stdin), kills it if it does not."""
        self._close(self.process.stdin)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.release()

    def release(self) -> None:
        """Closes this side's pipes and selector without touching the process."""
        self._selector.close()
        self._close(self.process.stdin)
        self._close(self.process.stdout)

    @staticmethod
    def _close(stream: Any) -> None:
        if stream is not None and not stream.closed:
            stream.close()


def _died(status: int, limits: ScriptLimits) -> ScriptError:
    if status == -signal.SIGXCPU:
        return ScriptTimeLimit(f"CPU-Zeitlimit von {limits.cpu_seconds} s überschritten")
    if status < 0:
        name = signal.Signals(-status).name
        return ScriptError(f"Der Skriptprozess wurde beendet (Signal {name})")
    return ScriptError(f"Der Skriptprozess hat sich unerwartet beendet (Status {status})")


@dataclass
class _Slot:
    worker: _Worker | None = None


@dataclass
class ScriptPool:
    """Up to ``limits.pool_size`` sandbox subprocesses of one egov process."""

    limits: ScriptLimits
    _slots: queue.LifoQueue[_Slot] = field(default_factory=queue.LifoQueue)

    def __post_init__(self) -> None:
        for _ in range(max(1, self.limits.pool_size)):
            self._slots.put(_Slot())

    def call(self, request: dict[str, Any], time_limit: float) -> dict[str, Any]:
        """Runs one request in a free subprocess; the answer's ``value``/``vars`` decoded."""
        body = codec.dumps(request)
        slot = self._slots.get()
        try:
            return self._call(slot, body, time_limit)
        finally:
            self._slots.put(slot)

    def _call(self, slot: _Slot, body: bytes, time_limit: float) -> dict[str, Any]:
        worker, slot.worker = slot.worker, None
        if worker is not None and worker.process.poll() is not None:
            worker.kill()  # it ended while idle (killed from outside): not this call's fault
            worker = None
        worker = worker or self._spawn()
        try:
            answer = worker.exchange(body, time.monotonic() + time_limit)
            reply = _decoded(codec.loads(answer))
        except _Ended as ended:
            raise self._end(worker, ended.reason, time_limit) from None
        except (codec.CodecError, RecursionError):
            raise self._end(worker, "protocol", time_limit) from None
        except BaseException:
            worker.kill()
            raise
        if reply["ok"] is True:
            slot.worker = worker
            return reply
        if reply["kind"] == "memory":
            worker.kill()  # it ends itself after a MemoryError; never reuse it
            raise ScriptMemoryLimit(reply["message"])
        slot.worker = worker
        raise ScriptError(reply["message"])

    def _spawn(self) -> _Worker:
        try:
            worker = _Worker(self.limits)
        except OSError as exc:
            log.error("script_sandbox_start_failed error=%s", exc)
            raise ScriptError("Die Skript-Sandbox konnte nicht gestartet werden") from exc
        try:
            worker.wait_ready()
        except (_Ended, codec.CodecError) as exc:
            status = worker.kill()
            log.error("script_sandbox_start_failed status=%s", status)
            raise ScriptError("Die Skript-Sandbox konnte nicht gestartet werden") from exc
        return worker

    def _end(self, worker: _Worker, reason: str, time_limit: float) -> ScriptError:
        status = worker.kill()
        log.warning(
            "script_sandbox_ended pid=%s reason=%s status=%s", worker.process.pid, reason, status
        )
        if reason == "timeout":
            return ScriptTimeLimit(f"Zeitlimit von {time_limit:g} s überschritten")
        if reason == "oversized":
            limit = codec.MAX_FRAME_BYTES // (1024 * 1024)
            return ScriptMemoryLimit(f"Ergebnis ist größer als {limit} MiB")
        if reason == "died":
            return _died(status, self.limits)
        return ScriptError("Ungültige Antwort des Skriptprozesses")

    def workers(self) -> list[_Worker]:
        """The subprocesses idle right now (for shutdown and tests)."""
        with self._slots.mutex:
            return [s.worker for s in self._slots.queue if s.worker is not None]

    def _take_idle(self) -> list[_Worker]:
        with self._slots.mutex:
            idle = [s.worker for s in self._slots.queue if s.worker is not None]
            for slot in self._slots.queue:
                slot.worker = None
        return idle

    def close(self) -> None:
        """Stops the idle subprocesses; a later call starts new ones."""
        for worker in self._take_idle():
            worker.stop()

    def abandon(self) -> None:
        """In a forked child: let go of the parent's subprocesses without ending them."""
        for worker in self._take_idle():
            worker.release()
            _abandoned.append(worker)


def _decoded(reply: dict[str, Any]) -> dict[str, Any]:
    """The answer with its value decoded; CodecError if it is not a well-formed answer."""
    if reply.get("ok") is True and "value" in reply:
        return {"ok": True, "value": codec.decode_value(reply["value"])}
    if reply.get("ok") is True and isinstance(reply.get("vars"), dict):
        variables = codec.decode_value(reply["vars"])
        if not isinstance(variables, dict) or not all(isinstance(k, str) for k in variables):
            raise codec.CodecError("Unlesbare Antwort")
        return {"ok": True, "vars": variables}
    kind, message = reply.get("kind"), reply.get("message")
    if reply.get("ok") is False and kind in ("failed", "memory") and isinstance(message, str):
        return {"ok": False, "kind": kind, "message": safe_message(message)}
    raise codec.CodecError("Unlesbare Antwort")


_lock = threading.Lock()
_pools: dict[tuple[int, tuple[int, int, int]], ScriptPool] = {}
_abandoned: list[_Worker] = []  # inherited over a fork; kept so their pipes stay closed


def pool_for(limits: ScriptLimits) -> ScriptPool:
    """This process's pool for these limits, created on first use."""
    key = (os.getpid(), limits.pool_key)
    pool = _pools.get(key)
    if pool is None:
        with _lock:
            pool = _pools.get(key)
            if pool is None:
                pool = _pools[key] = ScriptPool(limits)
    return pool


def shutdown() -> None:
    """Stops the idle subprocesses of this process's pools (atexit)."""
    with _lock:
        mine = [key for key in _pools if key[0] == os.getpid()]
        pools = [_pools.pop(key) for key in mine]
    for pool in pools:
        pool.close()


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()  # another thread may have held it during the fork
    inherited = list(_pools.values())
    _pools.clear()
    for pool in inherited:
        pool.abandon()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(shutdown)
