"""The sandbox subprocess: runs BPMN scripts and expressions under operating-system limits.

Started by :mod:`egov.workflow.script_pool` as ``python -I -S -c <boot> <egov root> <memory MiB>
<cpu seconds>``: isolated mode, no site-packages, an empty environment (no database URL, no
secrets), working directory ``/``. Before it reads the first request it sets its own limits
(``resource``):

* ``RLIMIT_AS``: the memory cap (soft and hard: a script cannot raise it again); an allocation
  beyond it is a ``MemoryError``, answered as ``memory`` and followed by the process ending;
* ``RLIMIT_CPU``: before every call the soft limit is set to the CPU time used so far plus the
  cap, so the kernel ends the process with ``SIGXCPU`` even inside one builtin call;
* ``RLIMIT_NPROC`` 0 (no fork; not enforced for root), ``RLIMIT_FSIZE`` 0 (no file writes),
  ``RLIMIT_CORE`` 0, ``RLIMIT_NOFILE`` 32.

The parent enforces the wall-clock limit (it kills this process). Requests and answers are
frames of :mod:`egov.workflow.script_codec` on private copies of stdin/stdout; fd 0 and 1 are
pointed at ``/dev/null``. Request ``{"op": "eval"|"exec", "source", "vars", "hide"}``; answer
``{"ok": true, "value"}`` / ``{"ok": true, "vars"}`` or ``{"ok": false, "kind", "message"}``
with ``kind`` ``failed`` or ``memory``.
"""

from __future__ import annotations

import _strptime  # noqa: F401  (datetime.strptime imports it lazily; import before the limits)
import os
import resource
import sys
from types import CodeType
from typing import Any, BinaryIO

from egov.workflow import script_codec as codec
from egov.workflow.script_rules import (
    HELPERS,
    SAFE_BUILTINS,
    ScriptError,
    compile_restricted,
    safe_message,
)

MAX_OPEN_FILES = 32
CACHE_SIZE = 512
_cache: dict[tuple[str, str], CodeType] = {}


def limit_resources(memory_mb: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NOFILE, (MAX_OPEN_FILES, MAX_OPEN_FILES))
    for limit in (resource.RLIMIT_CORE, resource.RLIMIT_FSIZE, resource.RLIMIT_NPROC):
        resource.setrlimit(limit, (0, 0))


def arm_cpu_limit(cpu_seconds: int) -> None:
    """The kernel ends this process once this call used ``cpu_seconds`` of CPU time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + cpu_seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _channel() -> tuple[BinaryIO, BinaryIO]:
    reader = os.fdopen(os.dup(0), "rb", buffering=0)
    writer = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    return reader, writer


def _read_exactly(reader: BinaryIO, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = reader.read(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def receive(reader: BinaryIO) -> dict[str, Any] | None:
    header = _read_exactly(reader, codec.HEADER.size)
    if header is None:
        return None
    (size,) = codec.HEADER.unpack(header)
    body = _read_exactly(reader, size)
    return None if body is None else codec.loads(body)


def send(writer: BinaryIO, body: bytes) -> None:
    writer.write(codec.frame(body))


def _compiled(source: str, mode: str) -> CodeType:
    key = (source, mode)
    code = _cache.get(key)
    if code is None:
        if len(_cache) >= CACHE_SIZE:
            _cache.clear()
        code = _cache[key] = compile_restricted(source, mode)
    return code


def _failure(kind: str, message: str) -> dict[str, Any]:
    return {"ok": False, "kind": kind, "message": safe_message(message)}


def _result_vars(namespace: dict[str, Any], hide: set[str]) -> dict[str, Any]:
    result = {}
    for key, value in namespace.items():
        if key in HELPERS or key in hide or key == "__builtins__" or callable(value):
            continue
        try:
            result[key] = codec.encode_value(value)
        except codec.CodecError as exc:
            raise ScriptError(f"Variable '{key}': {exc} (nicht speicherbar)") from exc
    return result


def run(request: dict[str, Any]) -> dict[str, Any]:
    """Runs one request; exceptions of the script propagate to :func:`_outcome`."""
    op, source = request["op"], request["source"]
    namespace: dict[str, Any] = {"__builtins__": SAFE_BUILTINS, **HELPERS}
    namespace.update(codec.decode_value(request["vars"]))
    code = _compiled(source, "eval" if op == "eval" else "exec")
    value = eval(code, namespace)  # checked and rewritten by compile_restricted
    if op == "eval":
        try:
            return {"ok": True, "value": codec.encode_value(value)}
        except codec.CodecError as exc:
            raise ScriptError(f"Ergebnis: {exc}") from exc
    return {"ok": True, "vars": _result_vars(namespace, set(request.get("hide", [])))}


def _outcome(request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    try:
        return run(request), False
    except ScriptError as exc:
        return _failure("failed", exc.message), False
    except MemoryError:
        return _failure("memory", "Speicherlimit überschritten"), True
    except RecursionError:
        return _failure("failed", "Rekursionstiefe überschritten"), False
    except Exception as exc:
        return _failure("failed", f"{type(exc).__name__}: {exc}"), False


def answer(request: dict[str, Any]) -> tuple[bytes, bool]:
    """The answer frame body to one request, and whether this process must end after it."""
    reply, retire = _outcome(request)
    try:
        body = codec.dumps(reply)
    except MemoryError:
        return codec.dumps(_failure("memory", "Speicherlimit überschritten")), True
    except (ValueError, RecursionError) as exc:
        return codec.dumps(_failure("failed", f"Ergebnis nicht übertragbar: {exc}")), retire
    if len(body) > codec.MAX_FRAME_BYTES:
        limit = codec.MAX_FRAME_BYTES // (1024 * 1024)
        return codec.dumps(_failure("memory", f"Ergebnis ist größer als {limit} MiB")), retire
    return body, retire


def serve(memory_mb: int, cpu_seconds: int) -> None:
    limit_resources(memory_mb)
    reader, writer = _channel()
    send(writer, codec.dumps({"ok": True, "ready": True}))
    while True:
        request = receive(reader)
        if request is None:
            return  # the parent closed the pipe (or died)
        arm_cpu_limit(cpu_seconds)
        reply, retire = answer(request)
        send(writer, reply)
        if retire:
            return


def main(argv: list[str]) -> None:
    serve(memory_mb=int(argv[0]), cpu_seconds=int(argv[1]))


if __name__ == "__main__":  # pragma: no cover - started through script_pool.BOOT
    main(sys.argv[1:])
