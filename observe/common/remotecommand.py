"""The ``channel.k8s.io`` remote command protocol that ``pods/exec`` speaks over a websocket.

Shared by both ends of the node leg: the apiserver (which negotiates with ``kubectl`` and
relays frames to the kubelet) and the kubelet (which runs the command). Pure functions only.

Every websocket message is one frame: a channel byte, then that channel's bytes. Channels
are 0 stdin, 1 stdout, 2 stderr, 3 error (the outcome), 4 resize (JSON
``{"Width": .., "Height": ..}``, from v3 on); ``v5.channel.k8s.io`` adds the close signal,
a frame ``[255, <channel>]`` by which a client half-closes its stdin. From v4 on the error
channel carries a ``metav1.Status`` (a non-zero exit as reason ``NonZeroExitCode`` with the
code in a cause of type ``ExitCode``); before v4 it carries the error's text.

On the wire between the apiserver and the kubelet the streams are named as upstream's
``ExecLocation`` names them (``input``, ``output``, ``error``, ``tty`` set to ``1``); the
client-facing query uses ``stdin``, ``stdout``, ``stderr``, ``tty`` as ``PodExecOptions``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

V5, V4, V3, V2, V1 = ("v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io",
                      "v2.channel.k8s.io", "channel.k8s.io")
SUPPORTED = (V5, V4, V3, V2, V1)
STDIN, STDOUT, STDERR, ERROR, RESIZE = range(5)
CLOSE_SIGNAL = 255
PROTOCOL_HEADER = "Sec-WebSocket-Protocol"
NON_ZERO_EXIT_CODE = "NonZeroExitCode"
EXIT_CODE_CAUSE = "ExitCode"

_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


class ProtocolError(ValueError):
    """A request or frame that breaks the protocol; its text is what the peer is told."""


def offered(headers: Iterable[str]) -> list[str]:
    """The subprotocols a client offers, in its order of preference."""
    return [p.strip() for value in headers for p in value.split(",") if p.strip()]


def negotiate(protocols: Sequence[str]) -> str:
    """The client's most preferred protocol that we speak."""
    for protocol in protocols:
        if protocol in SUPPORTED:
            return protocol
    raise ProtocolError(f"requested protocol(s) are not supported: [{' '.join(protocols)}]; "
                        f"supports [{' '.join(SUPPORTED)}]")


def supports_resize(protocol: str) -> bool:
    return protocol in (V5, V4, V3)


def supports_close(protocol: str) -> bool:
    return protocol == V5


def frame(channel: int, data: bytes = b"") -> bytes:
    return bytes((channel,)) + data


def split_frame(message: bytes) -> tuple[int, bytes]:
    if not message:
        raise ProtocolError("empty frame")
    return message[0], message[1:]


# -- the outcome on the error channel ---------------------------------------------------------

def success_status() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def exit_status(argv: Sequence[str], code: int) -> dict[str, Any]:
    """A command that exited non-zero, worded as the kubelet and containerd word it."""
    return {"metadata": {}, "status": "Failure",
            "message": "command terminated with non-zero exit code: command "
                       f"'{' '.join(argv)}' exited with {code}",
            "reason": NON_ZERO_EXIT_CODE,
            "details": {"causes": [{"reason": EXIT_CODE_CAUSE, "message": str(code)}]}}


def internal_error_status(error: str) -> dict[str, Any]:
    """apimachinery's ``NewInternalError``: what a stream that could not run ends with."""
    return {"metadata": {}, "status": "Failure", "message": f"Internal error occurred: {error}",
            "reason": "InternalError", "details": {"causes": [{"message": error}]},
            "code": 500}


def error_frame(protocol: str, status: Mapping[str, Any]) -> bytes | None:
    """The error-channel frame announcing ``status``; None where the protocol says nothing
    (success before v4)."""
    if protocol in (V5, V4):
        return frame(ERROR, json.dumps(status, separators=(",", ":")).encode())
    if status.get("status") == "Success":
        return None
    return frame(ERROR, str(status.get("message", "")).encode())


class ResizeDecoder:
    """Terminal sizes from the resize channel: a stream of JSON objects, which a client may
    split across frames or pack several into one."""

    def __init__(self) -> None:
        self._buffer = ""
        self._decoder = json.JSONDecoder()

    def feed(self, data: bytes) -> list[tuple[int, int]]:
        self._buffer += data.decode("utf-8", "replace")
        sizes = []
        while self._buffer.strip():
            text = self._buffer.lstrip()
            try:
                value, end = self._decoder.raw_decode(text)
            except json.JSONDecodeError:
                self._buffer = text
                if len(text) > 4096:  # not JSON that will ever complete
                    raise ProtocolError("unreadable resize message") from None
                break
            self._buffer = text[end:]
            if isinstance(value, dict):
                width, height = value.get("Width"), value.get("Height")
                if isinstance(width, int) and isinstance(height, int) and \
                        0 <= width < 65536 and 0 <= height < 65536:
                    sizes.append((width, height))
        return sizes


# -- what to run ------------------------------------------------------------------------------

def parse_bool(name: str, value: str | None) -> bool:
    """A query flag as Go's ``strconv.ParseBool`` reads it (absent or empty: false)."""
    if value in (None, ""):
        return False
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ProtocolError(f'{name}: strconv.ParseBool: parsing "{value}": invalid syntax')


@dataclass(frozen=True)
class ExecOptions:
    command: tuple[str, ...]
    stdin: bool = False
    stdout: bool = False
    stderr: bool = False
    tty: bool = False

    @classmethod
    def from_pod_exec_options(cls, query: Any) -> ExecOptions:
        """From the client's ``pods/exec`` query (``PodExecOptions``)."""
        flags = {name: parse_bool(name, query.get(name))
                 for name in ("stdin", "stdout", "stderr", "tty")}
        return cls(tuple(query.getall("command", ())), **flags)

    @classmethod
    def from_kubelet_query(cls, query: Any) -> ExecOptions:
        """From the kubelet's ``/exec`` query, checked as upstream's ``NewOptions`` checks."""
        tty = query.get("tty") == "1"
        stdin, stdout = query.get("input") == "1", query.get("output") == "1"
        # A terminal has one output stream: stderr goes to it.
        stderr = query.get("error") == "1" and not tty
        if not (stdin or stdout or stderr or query.get("error") == "1"):
            raise ProtocolError("you must specify at least 1 of stdin, stdout, stderr")
        command = tuple(query.getall("command", ()))
        if not command:
            raise ProtocolError("you must specify at least 1 command")
        return cls(command, stdin, stdout, stderr, tty)

    def kubelet_query(self) -> list[tuple[str, str]]:
        flags = [(name, "1") for name, on in (("input", self.stdin), ("output", self.stdout),
                                               ("error", self.stderr), ("tty", self.tty)) if on]
        return [*(("command", c) for c in self.command), *flags]
