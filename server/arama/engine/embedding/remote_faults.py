"""What kind of fault stopped the team cache: one stable name per class of failure.

The Redis client's messages are English, precise and sometimes long ("Error 111 connecting to
127.0.0.1:6379. Connection refused.", "invalid username-password pair or user is disabled.");
they go to the log. What a person reads (`arama.status`, `arama status`, the editor's warning)
is one translated sentence per kind (`remote.fault.<kind>` in arama/messages.py), and clients
get the kind itself as a stable identifier (`remoteCache.fault`).
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator
from typing import Literal

FaultKind = Literal[
    "refused",  # nothing listens at the address
    "timeout",  # no answer within timeoutMs (a hung or overloaded server)
    "unreachable",  # the host name does not resolve, or no route to it
    "closed",  # the server closed or reset the connection
    "auth",  # user or password refused (WRONGPASS, NOAUTH)
    "denied",  # the ACL user may not run the command (NOPERM)
    "tls",  # TLS handshake failed: a plain server, an untrusted certificate
    "cluster",  # the cluster cannot serve some slots (a node down, not ready)
    "mismatch",  # a served vector differed from the local model's (verification)
    "server",  # the server answered with an error (loading, OOM, unknown command)
    "error",  # anything else (the log has the details)
]

FAULT_KINDS: tuple[FaultKind, ...] = (
    "refused",
    "timeout",
    "unreachable",
    "closed",
    "auth",
    "denied",
    "tls",
    "cluster",
    "mismatch",
    "server",
    "error",
)

_REFUSED = {errno.ECONNREFUSED, errno.ENOENT}  # ENOENT: a unix socket that is not there
_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL}
_CLOSED = {errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED}


def classify(exc: BaseException) -> FaultKind:
    """The kind of `exc`, from the exception classes of redis-py and of the OS errors it
    wraps (redis-py raises its own ConnectionError `from` or during the socket's error)."""
    import redis.exceptions as rex

    message = str(exc)
    refused_by_server = _refused_by_server(exc, message)
    if refused_by_server is not None:
        return refused_by_server
    transport = _transport_fault(list(_chain(exc)), message)
    if transport is not None:
        return transport
    if isinstance(exc, rex.ClusterError | rex.ClusterDownError | rex.SlotNotCoveredError):
        return "cluster"
    if isinstance(exc, rex.ConnectionError) and _tls_words(message):
        return "tls"
    if isinstance(exc, rex.ResponseError):
        return "server"
    return "error"


def _refused_by_server(exc: BaseException, message: str) -> FaultKind | None:
    """A server that answered but refused the user (password) or the command (ACL)."""
    import redis.exceptions as rex

    if isinstance(exc, rex.AuthenticationError) or message.startswith(("WRONGPASS", "NOAUTH")):
        return "auth"
    if isinstance(exc, rex.NoPermissionError | rex.AuthorizationError):
        return "denied"
    return "denied" if message.startswith("NOPERM") else None


def _transport_fault(causes: list[BaseException], message: str) -> FaultKind | None:
    """A fault of the connection itself, from the exceptions under redis-py's."""
    import redis.exceptions as rex

    if any(isinstance(c, ssl.SSLError | ssl.CertificateError) for c in causes):
        return "tls"
    if any(isinstance(c, rex.TimeoutError | TimeoutError | socket.timeout) for c in causes):
        return "timeout"
    if any(isinstance(c, socket.gaierror) for c in causes):
        return "unreachable"
    os_errors = {c.errno for c in causes if isinstance(c, OSError) and c.errno is not None}
    if os_errors & _REFUSED or "Connection refused" in message:
        return "refused"
    if os_errors & _UNREACHABLE:
        return "unreachable"
    if os_errors & _CLOSED or "Connection closed by server" in message:
        return "closed"
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, its causes and contexts (at most a few levels; cycles stopped)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _tls_words(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in ("ssl", "tls", "certificate", "wrong version number"))
