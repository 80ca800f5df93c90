"""The subset of kubectl's JSONPath templates that ``get -o jsonpath=...`` needs.

A template is literal text with ``{...}`` actions::

    {.metadata.name}                      a field
    {.items[*].metadata.name}             every item (results joined by a space)
    {.spec.containers[0].image}           an index; negative and [a:b] slices work too
    {.metadata.labels.app\\.kubernetes\\.io/name}   a key with dots, escaped
    {.items[?(@.status.phase=="Running")].metadata.name}   a filter
    {..image}                             recursive descent
    {range .items[*]}{.metadata.name}{"\\n"}{end}   iteration; paths inside are relative
    {"\\t"}                               a string literal

Missing keys print nothing (kubectl's ``--allow-missing-template-keys=true``). Strings print
raw, everything else as compact JSON. Malformed templates raise :class:`TemplateError`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from observe.cli.encoding import compact_json


class TemplateError(ValueError):
    """The template does not parse."""


@dataclass
class _Path:
    segments: list[tuple[str, Any]]


@dataclass
class _Range:
    path: _Path
    body: list[Any] = field(default_factory=list)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_FILTER = re.compile(r"^@((?:\.[^=!<>\s]+)*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+))?$")


def render(template: str, data: Any) -> str:
    """Evaluate ``template`` against ``data`` and return the text."""
    return "".join(_run(parse(template), data))


def parse(template: str) -> list[Any]:
    nodes: list[Any] = []
    stack: list[list[Any]] = [nodes]
    ranges: list[_Range] = []
    pos = 0
    while pos < len(template):
        start = template.find("{", pos)
        if start < 0:
            stack[-1].append(template[pos:])
            break
        if start > pos:
            stack[-1].append(template[pos:start])
        end = _closing_brace(template, start)
        action = template[start + 1:end].strip()
        pos = end + 1
        if action == "end":
            if not ranges:
                raise TemplateError("unexpected {end}")
            ranges.pop()
            stack.pop()
        elif action.startswith("range "):
            node = _Range(_parse_path(action[len("range "):].strip()))
            stack[-1].append(node)
            ranges.append(node)
            stack.append(node.body)
        elif action.startswith('"'):
            stack[-1].append(_parse_string(action))
        else:
            stack[-1].append(_parse_path(action))
    if ranges:
        raise TemplateError("unclosed {range}: missing {end}")
    return nodes


def _closing_brace(template: str, start: int) -> int:
    in_string = False
    i = start + 1
    while i < len(template):
        char = template[i]
        if char == "\\":
            i += 2
            continue
        if char == '"':
            in_string = not in_string
        elif char == "}" and not in_string:
            return i
        i += 1
    raise TemplateError(f"unclosed action starting at {template[start:start + 20]!r}")


def _parse_string(action: str) -> str:
    if len(action) < 2 or not action.endswith('"'):
        raise TemplateError(f"unterminated string {action!r}")
    body, out, i = action[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def _parse_path(text: str) -> _Path:
    if text.startswith("$"):
        text = text[1:]
    segments: list[tuple[str, Any]] = []
    i = 0
    while i < len(text):
        if text.startswith("..", i):
            name, i = _read_name(text, i + 2)
            segments.append(("descend", name))
        elif text[i] == ".":
            name, i = _read_name(text, i + 1)
            if name == "*":
                segments.append(("wildcard", None))
            elif name:
                segments.append(("key", name))
        elif text[i] == "[":
            end = text.find("]", i)
            if end < 0:
                raise TemplateError(f"unclosed [ in {text!r}")
            segments.append(_parse_bracket(text[i + 1:end]))
            i = end + 1
        else:
            raise TemplateError(f"unrecognized character {text[i]!r} in {text!r}")
    return _Path(segments)


def _read_name(text: str, i: int) -> tuple[str, int]:
    out = []
    while i < len(text) and text[i] not in ".[":
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out), i


def _parse_bracket(inner: str) -> tuple[str, Any]:
    inner = inner.strip()
    if inner == "*":
        return ("wildcard", None)
    if inner.startswith("?(") and inner.endswith(")"):
        match = _FILTER.match(inner[2:-1].strip())
        if not match:
            raise TemplateError(f"unsupported filter {inner!r}")
        path = _parse_path(match.group(1) or "")
        literal = _parse_literal(match.group(3)) if match.group(2) else None
        return ("filter", (path, match.group(2), literal))
    if inner[:1] in "'\"" and inner[-1:] == inner[:1]:
        return ("key", inner[1:-1])
    try:
        if ":" in inner:
            start, _, stop = inner.partition(":")
            return ("slice", (int(start) if start else None, int(stop) if stop else None))
        return ("index", int(inner))
    except ValueError:
        raise TemplateError(f"unsupported subscript [{inner}]") from None


def _parse_literal(text: str) -> Any:
    text = text.strip()
    if text[:1] in "'\"" and text[-1:] == text[:1]:
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        raise TemplateError(f"unsupported literal {text!r}") from None


def _run(nodes: list[Any], data: Any) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Range):
            for item in _evaluate(node.path, data):
                out.extend(_run(node.body, item))
        else:
            out.append(" ".join(_text(v) for v in _evaluate(node, data)))
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return compact_json(value)


def _evaluate(path: _Path, data: Any) -> list[Any]:
    values = [data]
    for kind, arg in path.segments:
        values = [v for value in values for v in _step(kind, arg, value)]
    return values


def _step(kind: str, arg: Any, value: Any) -> list[Any]:
    if kind == "key":
        return [value[arg]] if isinstance(value, dict) and arg in value else []
    if kind == "wildcard":
        if isinstance(value, dict):
            return [value[k] for k in sorted(value)]
        return list(value) if isinstance(value, list) else []
    if kind == "index":
        if isinstance(value, list) and -len(value) <= arg < len(value):
            return [value[arg]]
        return []
    if kind == "slice":
        return list(value[arg[0]:arg[1]]) if isinstance(value, list) else []
    if kind == "descend":
        return _descend(arg, value)
    if kind == "filter":
        return [item for item in (value if isinstance(value, list) else [])
                if _matches(arg, item)]
    raise TemplateError(f"unknown path step {kind}")


def _descend(name: str, value: Any) -> list[Any]:
    found = []
    if isinstance(value, dict):
        if name in value:
            found.append(value[name])
        for key in sorted(value):
            found.extend(_descend(name, value[key]))
    elif isinstance(value, list):
        for item in value:
            found.extend(_descend(name, item))
    return found


def _matches(condition: tuple[_Path, str | None, Any], item: Any) -> bool:
    path, op, literal = condition
    values = _evaluate(path, item)
    if op is None:
        return bool(values)
    if not values:
        return False
    left = values[0]
    try:
        return {
            "==": lambda: left == literal,
            "!=": lambda: left != literal,
            "<": lambda: left < literal,
            ">": lambda: left > literal,
            "<=": lambda: left <= literal,
            ">=": lambda: left >= literal,
        }[op]()
    except TypeError:
        return False
