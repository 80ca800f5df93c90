"""Pieces of the Prometheus text format (0.0.4) spelled as Go's client_golang spells them, for
the endpoints the kubelet renders by hand rather than through a prometheus_client registry
(``/metrics/cadvisor``, :mod:`observe.kubelet.cadvisor`). Pure functions.
"""

from __future__ import annotations

import math
from functools import lru_cache

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@lru_cache(maxsize=16384)  # limits, zeros and counters repeat across series and scrapes
def go_float(value: float) -> str:
    """``value`` as ``strconv.FormatFloat(value, 'g', -1, 64)`` writes it: the shortest digits
    that read back exactly, in exponent form (``4.194304e+07``) when the decimal exponent is
    below -4 or at least 6."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    if value == int(value) and abs(value) < 1e15:
        # Most samples are byte counts and counters: their digits are the integer's own.
        text = str(abs(int(value)))
        if len(text) <= 6:
            return sign + text
        digits = text.rstrip("0")
        head = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{head}e+{len(text) - 1:02d}"
    # repr() already holds the shortest round-tripping digits; only their layout differs.
    mantissa, _, exponent = repr(abs(float(value))).partition("e")
    whole, _, fraction = mantissa.partition(".")
    combined = whole + fraction
    significant = combined.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(combined) - len(significant))
    digits = significant.rstrip("0")
    exp10 = point - 1
    if exp10 < -4 or exp10 >= 6:
        head = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{head}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def escape(value: str) -> str:
    """A label value with backslash, double quote and newline escaped."""
    if "\\" in value or '"' in value or "\n" in value:
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return value


def pair(name: str, value: str) -> str:
    return f'{name}="{escape(value)}"'
