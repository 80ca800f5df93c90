"""Joining multi-line records (stack traces) that the container wrote as several lines.

Sits between :mod:`.formats` (one :class:`~.formats.Entry` per output line) and
:mod:`.parsing`. A *rule* recognises the first line of a group and then accepts or refuses
each following line of the same stream; the first refused line closes the group (and is
considered on its own). Built in:

- ``python``: ``Traceback (most recent call last):``, indented frames, the final
  ``SomeError: message`` line, and chained tracebacks ("During handling of the above ...");
- ``java``: a qualified exception line (``java.lang.IllegalStateException: boom``,
  ``Exception in thread "main" …``) followed by ``at …``, ``... N more``, ``Caused by:``
  and ``Suppressed:`` lines;
- ``go``: ``panic:`` / ``fatal error:`` / ``goroutine N [running]:`` and the goroutine
  dump after it.

:class:`RegexRule` adds a user's own (``--multiline-start`` / ``--multiline-continue``).
A group is held until a line refuses it, the stream is idle for the flush timeout, or it
reaches its line or byte cap. Joining only depends on the lines themselves, so re-reading a
file from a group's first line after a restart groups it the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from observe.shipper.formats import Entry

DEFAULT_MAX_LINES = 500
DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_FLUSH_SECONDS = 1.0


class Rule(Protocol):
    name: str

    def start(self, text: str) -> Any:
        """A state (anything but None) when ``text`` opens a group of this rule."""

    def accepts(self, state: Any, text: str) -> bool:
        """Whether ``text`` continues the group whose state is ``state``."""


_PY_FINAL = re.compile(r"[A-Za-z_][\w.]*(?::.*)?$")
_PY_CHAINED = ("During handling of the above exception",
               "The above exception was the direct cause")


class _PythonState:
    __slots__ = ("finished",)

    def __init__(self) -> None:
        self.finished = False


class PythonTraceback:
    name = "python"

    def start(self, text: str) -> _PythonState | None:
        return _PythonState() if text.startswith("Traceback (most recent call last):") else None

    def accepts(self, state: _PythonState, text: str) -> bool:
        if not state.finished:
            if text[:1] in (" ", "\t"):
                return True
            if _PY_FINAL.match(text):
                state.finished = True
                return True
            return False
        # After the exception line only a chained traceback may follow.
        if text == "" or text.startswith(_PY_CHAINED):
            return True
        if text.startswith("Traceback (most recent call last):"):
            state.finished = False
            return True
        return False


_JAVA_START = re.compile(r'(?:Exception in thread "[^"]*" )?'
                         r"(?:[A-Za-z_$][\w$]*\.)+[\w$]*(?:Exception|Error|Throwable)\b")
_JAVA_CONTINUE = re.compile(
    r"\s+at \S|\s*\.\.\. \d+ (?:more|common frames omitted)|\s*Caused by: |\s*Suppressed: ")


class JavaStackTrace:
    name = "java"

    def start(self, text: str) -> bool | None:
        return True if _JAVA_START.match(text) else None

    def accepts(self, state: bool, text: str) -> bool:
        return _JAVA_CONTINUE.match(text) is not None


_GO_START = re.compile(r"panic: |fatal error: |goroutine \d+ \[[^\]]*\]:$")
_GO_CONTINUE = re.compile(
    r"$|\s|goroutine \d+ \[|created by |\[signal |exit status \d+|panic: |\[recovered\]"
    r"|[\w.\-/*()\[\]]+\(.*\)$")


class GoPanic:
    name = "go"

    def start(self, text: str) -> bool | None:
        return True if _GO_START.match(text) else None

    def accepts(self, state: bool, text: str) -> bool:
        return _GO_CONTINUE.match(text) is not None


class RegexRule:
    """A user's rule: a group starts at a line matching ``start`` and goes on while lines
    match ``continue_``."""

    def __init__(self, start: str, continue_: str, name: str = "custom") -> None:
        self.name = name
        self._start = re.compile(start)
        self._continue = re.compile(continue_)

    def start(self, text: str) -> bool | None:
        return True if self._start.match(text) else None

    def accepts(self, state: bool, text: str) -> bool:
        return self._continue.match(text) is not None


BUILTIN: dict[str, Callable[[], Rule]] = {
    "python": PythonTraceback, "java": JavaStackTrace, "go": GoPanic,
}


def rules_named(names: Iterable[str]) -> list[Rule]:
    """Built-in rules by name (``none`` or an empty list: no joining)."""
    rules = []
    for name in names:
        name = name.strip().lower()
        if not name or name == "none":
            continue
        if name not in BUILTIN:
            raise ValueError(f"unknown multiline rule {name!r} "
                             f"(known: {', '.join(sorted(BUILTIN))}, none)")
        rules.append(BUILTIN[name]())
    return rules


class _Group:
    __slots__ = ("bytes", "entries", "last_fed", "rule", "state")

    def __init__(self, rule: Rule, state: Any, entry: Entry, now: float) -> None:
        self.rule = rule
        self.state = state
        self.entries = [entry]
        self.bytes = len(entry.text)
        self.last_fed = now


class MultilineJoiner:
    """Groups one file's entries, each stream separately."""

    def __init__(self, rules: list[Rule], *, max_lines: int = DEFAULT_MAX_LINES,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.rules = rules
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self._open: dict[str | None, _Group] = {}

    def pending_start(self) -> int | None:
        if not self._open:
            return None
        return min(g.entries[0].start for g in self._open.values())

    def feed(self, entry: Entry, now: float) -> list[Entry]:
        """Entries that are complete after ``entry`` arrived (in stream order)."""
        if not self.rules:
            return [entry]
        out: list[Entry] = []
        group = self._open.get(entry.stream)
        if group is not None:
            if (len(group.entries) < self.max_lines and group.bytes < self.max_bytes
                    and group.rule.accepts(group.state, entry.text)):
                group.entries.append(entry)
                group.bytes += len(entry.text) + 1
                group.last_fed = now
                return out
            out.append(_joined(self._open.pop(entry.stream)))
        if not entry.text.startswith("{"):  # a JSON line is a record of its own
            for rule in self.rules:
                state = rule.start(entry.text)
                if state is not None:
                    self._open[entry.stream] = _Group(rule, state, entry, now)
                    return out
        out.append(entry)
        return out

    def flush_idle(self, now: float, timeout: float) -> list[Entry]:
        """Groups of streams that wrote nothing for ``timeout`` seconds."""
        idle = [s for s, g in self._open.items() if now - g.last_fed >= timeout]
        return [_joined(self._open.pop(s)) for s in idle]

    def flush(self) -> list[Entry]:
        groups = sorted(self._open.values(), key=lambda g: g.entries[0].start)
        self._open.clear()
        return [_joined(g) for g in groups]


def _joined(group: _Group) -> Entry:
    entries = group.entries
    first = entries[0]
    if len(entries) == 1:
        return first
    texts = [e.text for e in entries]
    while len(texts) > 1 and texts[-1] == "":
        texts.pop()
    tags: tuple[str, ...] = ()
    for e in entries:
        for tag in e.tags:
            if tag not in tags:
                tags = (*tags, tag)
    return Entry(first.start, entries[-1].end, first.time, first.stream, "\n".join(texts),
                 (*tags, "multiline"))
