"""Reading the objects behind ``-f``: files, directories (``-R`` to descend) and stdin.

Each source may hold several YAML documents or JSON objects; a ``List`` (or any ``*List``
with ``items``) contributes its items. Every object remembers where it came from, because
kubectl's error messages name the file (``error when creating "svc.yaml": ...``).

Documents are parsed as YAML 1.1 like ``sigs.k8s.io/yaml`` does, except that dates stay
strings: they become JSON strings on their way to the server anyway.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import yaml

MANIFEST_EXTENSIONS = (".json", ".yaml", ".yml")
STDIN = "-"


class ManifestError(ValueError):
    """A source that cannot be read or does not hold Kubernetes objects."""


@dataclass
class Manifest:
    obj: dict[str, Any]
    source: str
    """The file name as given (``STDIN`` for ``-``), for messages."""


class _Loader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps: ``2024-01-01`` stays the string it is in JSON."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def expand_paths(paths: Iterable[str], recursive: bool = False) -> list[str]:
    """The files ``-f`` arguments name, in kubectl's order: each argument in turn, a
    directory's manifest files sorted by name (its subdirectories too with ``-R``)."""
    files: list[str] = []
    for path in paths:
        if path == STDIN:
            files.append(STDIN)
        elif os.path.isdir(path):
            files.extend(_directory_files(path, recursive))
        elif os.path.exists(path):
            files.append(path)
        else:
            raise ManifestError(f'the path "{path}" does not exist')
    return files


def _directory_files(directory: str, recursive: bool) -> list[str]:
    found = []
    for entry in sorted(os.listdir(directory)):
        full = os.path.join(directory, entry)
        if os.path.isdir(full):
            if recursive:
                found.extend(_directory_files(full, recursive))
        elif entry.endswith(MANIFEST_EXTENSIONS):
            found.append(full)
    return found


def parse_documents(text: str, source: str) -> list[Manifest]:
    """Every object in ``text``: YAML documents or JSON, ``List`` kinds flattened."""
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as e:
        raise ManifestError(f"error parsing {source}: {_yaml_message(e)}") from e
    out: list[Manifest] = []
    for doc in documents:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise ManifestError(
                f"error validating {_quoted(source)}: error validating data: "
                "the document is not a mapping; if you choose to ignore these errors, "
                "turn validation off with --validate=false")
        out.extend(_flatten(doc, source))
    return out


def _flatten(doc: dict[str, Any], source: str) -> Iterator[Manifest]:
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            if isinstance(item, dict):
                yield from _flatten(item, source)
        return
    missing = [f"{key} not set" for key in ("apiVersion", "kind") if not doc.get(key)]
    if missing:
        raise ManifestError(
            f"error validating {_quoted(source)}: error validating data: "
            f"[{', '.join(missing)}]; if you choose to ignore these errors, turn validation "
            "off with --validate=false")
    yield Manifest(doc, source)


def _quoted(source: str) -> str:
    return f'"{source}"'


def _yaml_message(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is not None:
        return f"error converting YAML to JSON: yaml: line {mark.line + 1}: {problem}"
    return f"error converting YAML to JSON: yaml: {problem}"


def read_manifests(paths: Iterable[str], stdin: TextIO, recursive: bool = False
                   ) -> list[Manifest]:
    """All objects of all ``-f`` sources, in order."""
    out: list[Manifest] = []
    for path in expand_paths(paths, recursive):
        if path == STDIN:
            out.extend(parse_documents(stdin.read(), "STDIN"))
            continue
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise ManifestError(f"error reading {path}: {e}") from e
        out.extend(parse_documents(text, path))
    return out
