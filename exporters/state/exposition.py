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
from functools import lru_cache
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
    value = float(value)
    if value.is_integer() and -1e6 < value < 1e6:
        return str(int(value))  # the common case, and what %f gives for it
    return _format_float(value)


@lru_cache(maxsize=4096)
def _format_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    # repr() gives the shortest round-tripping digits, as Go's shortest mode does.
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
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
    """Backslash, double quote and newline escaped, as in the text format. A NUL byte, which
    no Kubernetes field should hold, becomes U+FFFD: the metrics store uses NUL as a mark."""
    if "\\" in value or '"' in value or "\n" in value or "\0" in value:
        return (value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
                .replace("\0", "\ufffd"))
    return value


def render_labels(labels: Iterable[tuple[str, str]]) -> str:
    """``k1="v1",k2="v2"`` (no braces)."""
    return ",".join(f'{key}="{escape_label_value(value)}"' for key, value in labels)


def render_samples(name: str, identity: str, samples: Iterable[Sample]) -> str:
    """The sample lines of one family for one object; ``identity`` is the object's own
    labels already rendered by :func:`render_labels`."""
    if identity:
        return render_after(f"{name}{{{identity}", samples)
    lines = []
    for labels, value in samples:
        braces = f"{{{render_labels(labels)}}}" if labels else ""
        lines.append(f"{name}{braces} {format_value(value)}\n")
    return "".join(lines)


def render_after(opening: str, samples: Iterable[Sample]) -> str:
    """Sample lines that each start with ``opening``, which is (or stands for) the family
    name, ``{`` and non-empty identity labels: ``<opening>,own="labels"} value``."""
    lines = []
    for labels, value in samples:
        if labels:
            own = ",".join([f'{k}="{escape_label_value(v)}"' for k, v in labels])
            lines.append(f"{opening},{own}}} {format_value(value)}\n")
        else:
            lines.append(f"{opening}}} {format_value(value)}\n")
    return "".join(lines)
