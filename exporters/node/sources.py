"""Reading the kernel's pseudo-files (procfs, sysfs) the way every collector needs to.

Kernel files are small and change between reads, so each is read whole in one call; a file
that is missing means "this kernel or machine has no such thing", which collectors report as
:class:`~exporters.node.collector.NoData` rather than as a failure.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable

from exporters.node.collector import NoData


def read_text(path: str | os.PathLike[str]) -> str:
    """The file's content; :class:`NoData` when it does not exist."""
    try:
        return _read(path)
    except FileNotFoundError as e:
        raise NoData(f"{path} does not exist") from e


def read_value(path: str | os.PathLike[str]) -> str | None:
    """One sysfs attribute, stripped; None when the kernel refuses it (many attributes
    answer EINVAL while a device is down) or it is absent."""
    try:
        return _read(path).strip()
    except OSError:
        return None


def _read(path: str | os.PathLike[str]) -> str:
    # Unbuffered bytes, decoded once: a text-mode file object costs more than the read of
    # a small kernel file, and a scrape reads a hundred of them.
    with open(path, "rb", buffering=0) as f:
        return f.read().decode("utf-8", "replace")


def parse_int(text: str) -> int:
    """An integer written in decimal or, as several sysfs attributes are, in 0x-hex."""
    try:
        return int(text, 0)
    except ValueError:
        return int(text)  # decimal with leading zeros, which base 0 refuses


def field_filter(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """``pattern.search`` as a predicate remembered per name: a kernel file's field names
    are a fixed set, so each is matched once instead of on every scrape."""
    return functools.lru_cache(maxsize=8192)(lambda name: pattern.search(name) is not None)
