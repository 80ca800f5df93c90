"""What a log line says: JSON fields, the message, and the level.

Sits between :mod:`.multiline` and :mod:`.fields`. Parsers (chosen per pod with the
``observe.io/parser`` annotation, else the shipper's default):

- ``auto`` (default): a line that is a JSON object is parsed, anything else is text;
- ``json``: the same, but a line that is not a JSON object is flagged ``json_parse_error``;
- ``none``: never parse; the line is the message.

A JSON object's fields are merged into the document (at its root, as Filebeat's ``ndjson``
and Fluent Bit's ``Merge_Log`` do). Its ``message`` (or ``msg``) becomes the message, its
``level`` (``severity``, ``lvl``, ``log.level``) the level; keys that would collide with the
shipper's own fields (``kubernetes``, ``log``, ``host``, …) are kept under ``json``.
Without JSON, the level comes from the text: ``level=warn``, a klog prefix (``E0102 …``)
or an upper-case word such as ``ERROR`` or ``WARNING`` near the start of the line.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

AUTO, JSON, NONE = "auto", "json", "none"
PARSERS = (AUTO, JSON, NONE)
TAG_JSON_ERROR = "json_parse_error"
RESERVED = frozenset({"@timestamp", "message", "kubernetes", "container", "host", "log",
                      "stream", "event", "orchestrator", "agent", "ecs", "json", "tags",
                      "_id", "_index", "_source", "_routing"})
_MESSAGE_KEYS = ("message", "msg")
_LEVEL_KEYS = ("level", "severity", "lvl", "log.level", "loglevel")
_LEVEL_SCAN = 200

LEVELS = {
    "trace": "trace", "debug": "debug", "dbg": "debug", "info": "info",
    "information": "info", "informational": "info", "notice": "notice", "warn": "warn",
    "warning": "warn", "error": "error", "err": "error", "severe": "error",
    "crit": "critical", "critical": "critical", "alert": "alert", "emerg": "emergency",
    "emergency": "emergency", "fatal": "fatal", "panic": "fatal",
}
_KLOG = {"I": "info", "W": "warn", "E": "error", "F": "fatal"}
_WORD = re.compile(r"\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|CRIT|CRITICAL"
                   r"|FATAL|PANIC)\b")
_LOGFMT = re.compile(r"\b(?:level|lvl|severity)=\"?([A-Za-z]+)", re.IGNORECASE)
_KLOG_PREFIX = re.compile(r"([IWEF])\d{4} \d\d:\d\d:\d\d")


class Parsed:
    __slots__ = ("fields", "flags", "level", "message")

    def __init__(self, message: str, fields: dict[str, Any] | None, level: str | None,
                 flags: tuple[str, ...] = ()) -> None:
        self.message = message
        self.fields = fields
        self.level = level
        self.flags = flags


def normalize_level(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return LEVELS.get(value.strip().lower())


def level_of_text(text: str) -> str | None:
    head = text[:_LEVEL_SCAN]
    klog = _KLOG_PREFIX.match(head)
    if klog:
        return _KLOG[klog.group(1)]
    logfmt = _LOGFMT.search(head)
    if logfmt:
        found = normalize_level(logfmt.group(1))
        if found:
            return found
    word = _WORD.search(head)
    return LEVELS[word.group(1).lower()] if word else None


def parse(text: str, parser: str = AUTO) -> Parsed:
    if parser != NONE and text.startswith("{"):
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            return _from_json(text, obj)
    if parser == JSON:
        return Parsed(text, None, level_of_text(text), (TAG_JSON_ERROR,))
    return Parsed(text, None, level_of_text(text))


def _from_json(text: str, obj: dict[str, Any]) -> Parsed:
    message = text
    for key in _MESSAGE_KEYS:
        value = obj.get(key)
        if isinstance(value, str):
            message = value
            del obj[key]
            break
    level = None
    for key in _LEVEL_KEYS:
        if key in obj:
            level = normalize_level(obj[key])
            if level is not None:
                del obj[key]
                break
    fields: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    for key, value in obj.items():
        if key in RESERVED or key.split(".", 1)[0] in RESERVED:
            kept[key.replace(".", "_")] = value
        else:
            fields[key] = value
    if kept:
        fields["json"] = kept
    return Parsed(message, fields, level)
