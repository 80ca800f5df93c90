"""Prometheus text exposition exactly as kube-state-metrics writes it.

Generators (:mod:`exporters.state.metrics`) describe each metric family with a
:class:`FamilyGenerator` and produce :class:`Sample` values; this module turns them into the
bytes kube-state-metrics would send: its ``# HELP``/``# TYPE`` headers (``[STABLE]`` before
the help of stable families, ``(Deprecated since vX)`` before deprecated ones), the object's
identity labels first and the family's own labels after, label values escaped as
client_golang does, and values printed like Go's ``strconv.FormatFloat(v, 'g', -1, 64)``
(so a creation timestamp reads ``1.7e+09``, not ``1700000000``). Rendering is pure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

Object = dict[str, Any]
Labels = tuple[tuple[str, str], ...]

GAUGE = "gauge"
COUNTER = "counter"


class Sample(NamedTuple):
    """One series of a family: the family's own labels (after the object's identity) and
    the value."""

    labels: Labels
    value: float


@dataclass(frozen=True)
class FamilyGenerator:
    """One metric family of a kind: its name, help, type and how one object yields samples.

    ``stable`` mirrors kube-state-metrics' STABLE stability level, the only one its header
    shows; ``deprecated_since`` (a ksm version) prefixes the help as ksm does.
    """

    name: str
    help: str
    type: str
    generate: Callable[[Object], Sequence[Sample]]
    stable: bool = False
    deprecated_since: str = ""

    @property
    def header(self) -> str:
        text = self.help
        if self.deprecated_since:
            text = f"(Deprecated since {self.deprecated_since}) {text}"
        if self.stable:
            text = f"[STABLE] {text}"
        return f"# HELP {self.name} {text}\n# TYPE {self.name} {self.type}\n"


def format_value(value: float) -> str:
    """``value`` as Go's ``strconv.FormatFloat(value, 'g', -1, 64)`` spells it: the shortest
    digits that read back exactly, in ``%e`` form (two-digit exponent at least) when the
    decimal exponent is below -4 or at least 6, else in ``%f`` form."""
    if value == 1:
        return "1"
    if value == 0:
        return "0"
    if value == -1:
        return "-1"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    # repr() gives the shortest round-tripping digits, as Go's shortest mode does.
    sign, digit_tuple, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + int(exponent)  # where the decimal point sits after the digits
    minus = "-" if sign else ""
    exp10 = point - 1
    if exp10 < -4 or exp10 >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{minus}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if point <= 0:
        return f"{minus}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{minus}{digits}{'0' * (point - len(digits))}"
    return f"{minus}{digits[:point]}.{digits[point:]}"


def escape_label_value(value: str) -> str:
    """Backslash, double quote and newline escaped, as in the text format."""
    if "\\" in value or '"' in value or "\n" in value:
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return value


def render_labels(labels: Iterable[tuple[str, str]]) -> str:
    """``k1="v1",k2="v2"`` (no braces)."""
    return ",".join(f'{key}="{escape_label_value(value)}"' for key, value in labels)


def render_samples(name: str, identity: str, samples: Iterable[Sample]) -> str:
    """The sample lines of one family for one object; ``identity`` is the object's own
    labels already rendered by :func:`render_labels`."""
    lines = []
    for labels, value in samples:
        own = render_labels(labels) if labels else ""
        joined = f"{identity},{own}" if identity and own else identity or own
        braces = f"{{{joined}}}" if joined else ""
        lines.append(f"{name}{braces} {format_value(value)}\n")
    return "".join(lines)
