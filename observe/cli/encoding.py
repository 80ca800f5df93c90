"""JSON and YAML text exactly as kubectl writes it.

kubectl serialises objects with Go's ``encoding/json`` (keys sorted, ``<``, ``>``, ``&``
escaped, UTF-8 kept as is) and ``sigs.k8s.io/yaml`` (keys sorted, sequences not indented
under their key, strings that would read as another type double-quoted, multi-line strings
as literal blocks). The same bytes matter in two places: what ``-o json|yaml`` prints, and the
``last-applied-configuration`` annotation ``apply`` stores and later compares.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

# Go's encoder escapes these so JSON can be embedded in HTML; the annotation must match.
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
               "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _go_escape(text: str) -> str:
    # Safe on the whole document: these characters can only occur inside JSON strings.
    for char, escaped in _GO_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def compact_json(obj: Any) -> str:
    """``json.Marshal``: no spaces, keys sorted."""
    return _go_escape(json.dumps(obj, sort_keys=True, separators=(",", ":"),
                                 ensure_ascii=False))


def indented_json(obj: Any) -> str:
    """``json.MarshalIndent(obj, "", "    ")`` plus the newline kubectl prints after it."""
    return _go_escape(json.dumps(obj, sort_keys=True, indent=4, ensure_ascii=False)) + "\n"


class _GoStyleDumper(yaml.SafeDumper):
    """PyYAML's safe dumper with go-yaml's choice of string styles."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    tag = "tag:yaml.org,2002:str"
    if "\n" in value:
        return dumper.represent_scalar(tag, value, style="|")
    # A string the reader would take for a number, bool, null or date must be quoted;
    # go-yaml quotes with double quotes where PyYAML would pick single ones.
    implicit = dumper.resolve(yaml.ScalarNode, value, (True, False))
    if implicit != tag or value == "":
        return dumper.represent_scalar(tag, value, style='"')
    return dumper.represent_scalar(tag, value)


_GoStyleDumper.add_representer(str, _represent_str)


def to_yaml(obj: Any) -> str:
    return yaml.dump(obj, Dumper=_GoStyleDumper, sort_keys=True, default_flow_style=False,
                     allow_unicode=True, width=80)
