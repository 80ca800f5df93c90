"""Resource quantities (``100m``, ``1Gi``, ``2``, ``1e3``): parsing, comparison and the
canonical spelling kube-apiserver writes back.

This is the Python counterpart of apimachinery's ``resource.Quantity``. Schemas use it when
defaulting (every ResourceList is rounded up to milli precision and re-spelled canonically, so
``0.5`` is stored as ``500m`` and ``1024Mi`` as ``1Gi``) and when validating (requests must not
exceed limits); the scheduler and kubelet use it to add up requests and compare capacities.

A quantity is an exact :class:`~decimal.Decimal` amount of base units (cores, bytes) plus the
*format* its suffix implied, because the format decides how the value is printed back:

    DecimalSI        no suffix or one of n u m k M G T P E    ->  ``1500m``, ``2k``
    BinarySI         one of Ki Mi Gi Ti Pi Ei                  ->  ``1536Mi``
    DecimalExponent  ``e<N>`` / ``E<N>``                        ->  ``1e3``
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import total_ordering

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

# Upstream's own wording, so clients see the same message kube-apiserver gives.
FORMAT_ERROR = ("quantities must match the regular expression "
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
SUFFIX_ERROR = "unable to parse quantity's suffix"

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12,
                     "P": 15, "E": 18}
_DECIMAL_BY_EXPONENT = {v: k for k, v in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BINARY_BY_POWER = {v // 10: k for k, v in _BINARY_SUFFIXES.items()}

_SHAPE = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*)([-+]?[0-9]*)")
_EXPONENT = re.compile(r"[eE]([-+]?[0-9]+)")

NANO = Decimal("1e-9")
MILLI = Decimal("1e-3")
# The largest amount a Quantity holds; bigger inputs are capped, as upstream does.
MAX_VALUE = Decimal(2**63 - 1)

# Enough digits for int64 units at nano precision (28 digits) with room to spare.
_CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)


class QuantityError(ValueError):
    """The text is not a Kubernetes quantity; the message is kube-apiserver's."""


@total_ordering
@dataclass(frozen=True, eq=False)
class Quantity:
    """An exact amount of a resource and the format it prints in.

    Equality and ordering compare amounts only (``1Gi == 1024Mi``); ``str()`` is the
    canonical spelling.
    """

    amount: Decimal
    format: str = DECIMAL_SI

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.amount == other.amount

    def __lt__(self, other: Quantity) -> bool:
        return self.amount < other.amount

    def __hash__(self) -> int:
        return hash(self.amount)

    def __str__(self) -> str:
        return format_quantity(self)

    def __add__(self, other: Quantity) -> Quantity:
        with decimal.localcontext(_CONTEXT):
            return Quantity(self.amount + other.amount, self.format)

    def __sub__(self, other: Quantity) -> Quantity:
        with decimal.localcontext(_CONTEXT):
            return Quantity(self.amount - other.amount, self.format)

    def is_zero(self) -> bool:
        return self.amount == 0

    def value(self) -> int:
        """Whole base units, rounded away from zero (``Value()``: 100m -> 1)."""
        return int(_round_away(self.amount, Decimal(1)))

    def milli_value(self) -> int:
        """Thousandths of a unit, rounded away from zero (``MilliValue()``: 0.1 -> 100)."""
        with decimal.localcontext(_CONTEXT):
            return int(_round_away(self.amount * 1000, Decimal(1)))

    def round_up(self, step: Decimal = MILLI) -> Quantity:
        """The same quantity rounded away from zero to a multiple of ``step``."""
        return Quantity(_round_away(self.amount, step), self.format)


def _round_away(amount: Decimal, step: Decimal) -> Decimal:
    with decimal.localcontext(_CONTEXT):
        return amount.quantize(step, rounding=decimal.ROUND_UP).normalize(_CONTEXT) \
            if amount != 0 else Decimal(0)


def parse_quantity(text: str | int | float) -> Quantity:
    """Parse what a client may send: a string such as ``"250m"``, or a bare JSON number
    (YAML ``cpu: 2`` arrives as the number 2). Raises :class:`QuantityError`."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise QuantityError(FORMAT_ERROR)
    source = repr(text) if isinstance(text, float) else str(text)
    source = source.strip()
    match = _SHAPE.fullmatch(source)
    if match is None or not source:
        raise QuantityError(FORMAT_ERROR)
    sign, whole, fraction, letters, tail = match.groups()
    if not whole and not fraction:
        raise QuantityError(FORMAT_ERROR)
    suffix = letters + tail
    base, exponent, fmt = _parse_suffix(suffix)
    digits = Decimal(f"{whole or '0'}.{fraction or '0'}")
    with decimal.localcontext(_CONTEXT):
        amount = _bounded_amount(digits, base, exponent)
        if sign == "-":
            amount = -amount
    return Quantity(amount if amount != 0 else Decimal(0), fmt)


def _bounded_amount(digits: Decimal, base: int, exponent: int) -> Decimal:
    """``digits * base**exponent``, capped at MAX_VALUE and rounded up to whole nanos (so
    anything asked for gets at least the smallest representable amount). Extreme exponents
    ("1e999999999") are settled before any arithmetic could overflow."""
    if digits == 0:
        return Decimal(0)
    if base == 10:
        magnitude = digits.adjusted() + exponent
        if magnitude > 19:
            return MAX_VALUE
        if magnitude < -10:
            return NANO
        amount = digits.scaleb(exponent)
    else:
        amount = digits * (2**exponent)
    if amount > MAX_VALUE:
        return MAX_VALUE
    return amount.quantize(NANO, rounding=decimal.ROUND_UP).normalize(_CONTEXT)


def _parse_suffix(suffix: str) -> tuple[int, int, str]:
    """(base, exponent, format) for a suffix: ``Mi`` -> (2, 20), ``k`` -> (10, 3)."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    exponent = _EXPONENT.fullmatch(suffix)
    if exponent is not None:
        return 10, int(exponent.group(1)), DECIMAL_EXPONENT
    raise QuantityError(SUFFIX_ERROR)


def format_quantity(q: Quantity) -> str:
    """The canonical spelling kube-apiserver prints (``CanonicalizeBytes``)."""
    if q.amount == 0:
        return "0"
    fmt = q.format
    if fmt == BINARY_SI and (abs(q.amount) < 1024 or q.amount != q.amount.to_integral_value()):
        # Small or fractional byte counts would round in base 1024: show them exactly.
        fmt = DECIMAL_SI
    if fmt == BINARY_SI:
        return _format_binary(int(q.amount))
    mantissa, exponent = _decimal_parts(q.amount)
    if fmt == DECIMAL_SI and exponent in _DECIMAL_BY_EXPONENT:
        return f"{mantissa}{_DECIMAL_BY_EXPONENT[exponent]}"
    return str(mantissa) if exponent == 0 else f"{mantissa}e{exponent}"


def _decimal_parts(amount: Decimal) -> tuple[int, int]:
    """``amount == mantissa * 10**exponent`` with an integer mantissa and the largest exponent
    that is a multiple of 3 (1500 -> (1500, 0), 0.1 -> (100, -3), 2000 -> (2, 3))."""
    sign, digits, exponent = amount.normalize(_CONTEXT).as_tuple()
    assert isinstance(exponent, int)
    mantissa = int("".join(map(str, digits)))
    shift = exponent % 3
    mantissa *= 10**shift
    exponent -= shift
    return (-mantissa if sign else mantissa), exponent


def _format_binary(value: int) -> str:
    power = 0
    magnitude = abs(value)
    while magnitude % 1024 == 0 and power < max(_BINARY_BY_POWER):
        magnitude //= 1024
        power += 1
    number = -magnitude if value < 0 else magnitude
    return f"{number}{_BINARY_BY_POWER.get(power, '')}"


def canonical(text: str | int | float) -> str:
    """Parse and re-spell: ``"0.5"`` -> ``"500m"``, ``"1024Mi"`` -> ``"1Gi"``."""
    return format_quantity(parse_quantity(text))


def canonical_resource_value(text: str | int | float) -> str:
    """What a ResourceList entry is stored as: rounded up to milli precision, then canonical
    (``SetDefaults_ResourceList``)."""
    return format_quantity(parse_quantity(text).round_up(MILLI))


def quantity_errors(text: object) -> list[str]:
    """Why ``text`` is not a quantity ([] when it is)."""
    try:
        parse_quantity(text)  # type: ignore[arg-type]
    except QuantityError as exc:
        return [str(exc)]
    return []
