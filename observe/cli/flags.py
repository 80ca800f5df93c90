"""Flags several verbs share, declared once so they read and behave the same everywhere."""

from __future__ import annotations

import argparse
from typing import Any

from observe.cli.errors import CliError
from observe.cli.humanize import parse_duration
from observe.cli.manifests import Manifest, ManifestError, read_manifests
from observe.cli.session import Session


def duration(text: str) -> float:
    """An argparse type for durations written as kubectl takes them: ``30s``, ``5m``,
    ``1h30m``, or a bare number of seconds."""
    try:
        return parse_duration(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}") from e


def add_filename(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("-f", "--filename", action="append", default=[],
                        help=f"file, directory or - (stdin) with the objects to {what}")
    parser.add_argument("-R", "--recursive", action="store_true",
                        help="descend into subdirectories of directories given with -f")


def add_selectors(parser: argparse.ArgumentParser, fields: bool = True) -> None:
    parser.add_argument("-l", "--selector", default="",
                        help="label selector, e.g. app=web,tier!=db")
    if fields:
        parser.add_argument("--field-selector", default="",
                            help="field selector, e.g. metadata.name=web")


def add_all_namespaces(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-A", "--all-namespaces", action="store_true",
                        help="act on objects in every namespace")


def selector_params(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if getattr(args, "selector", ""):
        params["labelSelector"] = args.selector
    if getattr(args, "field_selector", ""):
        params["fieldSelector"] = args.field_selector
    return params


def manifests(session: Session, args: argparse.Namespace) -> list[Manifest]:
    try:
        return read_manifests(args.filename, session.stdin, args.recursive)
    except ManifestError as e:
        raise CliError(str(e)) from e
