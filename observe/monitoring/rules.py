"""The alert and recording rules, from where they are kept to where a Prometheus loads them.

The rules live in one place, ``compose/prometheus/rules/*.yaml`` at the top of the source
tree: the compose stack mounts that directory as it is, and ``observe prometheus`` copies it
into its data directory (:func:`write_rules`). The copy may shorten every ``for:`` to at most
a given duration (``--alert-for``), so a demo or a test sees alerts fire in seconds; the
files in the tree keep the standard durations, which the promtool unit tests check.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

import observe
from observe.monitoring.durations import format_duration, parse_duration

RULE_FILE_SUFFIXES = (".yaml", ".yml")


def source_root() -> Path:
    """The top of the source tree this ``observe`` package sits in."""
    return Path(observe.__file__).resolve().parent.parent


def shipped_rules_dir() -> Path:
    return source_root() / "compose" / "prometheus" / "rules"


def rule_files(directory: Path) -> list[Path]:
    """The rule files of ``directory``, by name."""
    return sorted(p for p in directory.iterdir()
                  if p.suffix in RULE_FILE_SUFFIXES and p.is_file())


def load(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise ValueError(f"{path}: not a Prometheus rule file (no 'groups' list)")
    return doc


def rules(doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for group in doc.get("groups") or []:
        yield from group.get("rules") or []


def alerts(doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    return (rule for rule in rules(doc) if "alert" in rule)


def cap_for(doc: Mapping[str, Any], maximum: float) -> dict[str, Any]:
    """A copy of the rule file in which no alert waits longer than ``maximum`` seconds."""
    capped = copy.deepcopy(dict(doc))
    for rule in alerts(capped):
        if "for" in rule and parse_duration(str(rule["for"])) > maximum:
            rule["for"] = format_duration(maximum)
    return capped


def write_rules(source: Path, destination: Path, alert_for: float | None = None) -> list[Path]:
    """Copy every rule file of ``source`` into ``destination`` (capping ``for:`` at
    ``alert_for`` seconds when given) and remove rule files that are no longer in
    ``source``. Returns the files written."""
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    for path in rule_files(source):
        doc = load(path)
        if alert_for is not None:
            doc = cap_for(doc, alert_for)
        target = destination / path.name
        write_yaml(target, doc)
        written.append(target)
    for stale in set(rule_files(destination)) - set(written):
        stale.unlink()
    return written


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (PromQL expressions) as literal blocks, as people do."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)


def write_yaml(path: Path, doc: Any) -> None:
    """Replace ``path`` atomically, so a Prometheus reloading never reads half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(dump_yaml(doc), encoding="utf-8")
    os.replace(tmp, path)
