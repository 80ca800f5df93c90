"""The text kube-state-metrics writes: Go's float spelling, escaping, headers, line shape."""

from __future__ import annotations

import math

import pytest

from exporters.state.exposition import (
    COUNTER,
    GAUGE,
    FamilyGenerator,
    Sample,
    escape_label_value,
    format_value,
    render_samples,
)


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (1, "1"), (-1, "-1"), (2, "2"), (110, "110"), (999999, "999999"),
    (1e6, "1e+06"), (1234567, "1.234567e+06"), (0.25, "0.25"), (0.1, "0.1"),
    (0.0001, "0.0001"), (0.00001, "1e-05"), (1.5e-05, "1.5e-05"), (-2.5, "-2.5"),
    (1700000000, "1.7e+09"), (1795570015, "1.795570015e+09"),
    (67108864, "6.7108864e+07"), (137438953472, "1.37438953472e+11"), (100000, "100000"),
    (123456.5, "123456.5"), (2**63, "9.223372036854776e+18"),
    (math.inf, "+Inf"), (-math.inf, "-Inf"), (math.nan, "NaN"),
])
def test_values_are_spelled_as_go_formats_them(value: float, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize(("raw", "escaped"), [
    ("plain", "plain"),
    ('say "hi"', 'say \\"hi\\"'),
    ("C:\\dir", "C:\\\\dir"),
    ("two\nlines", "two\\nlines"),
    ("nul\0byte", "nul\ufffdbyte"),
])
def test_label_values_are_escaped(raw: str, escaped: str) -> None:
    assert escape_label_value(raw) == escaped


@pytest.mark.parametrize(("family", "header"), [
    (FamilyGenerator("kube_x_info", "About x.", GAUGE, lambda o: ()),
     "# HELP kube_x_info About x.\n# TYPE kube_x_info gauge\n"),
    (FamilyGenerator("kube_x_total", "Count.", COUNTER, lambda o: (), stable=True),
     "# HELP kube_x_total [STABLE] Count.\n# TYPE kube_x_total counter\n"),
    (FamilyGenerator("kube_x_ports", "Ports.", GAUGE, lambda o: (), stable=True,
                     deprecated_since="v2.14.0"),
     "# HELP kube_x_ports [STABLE] (Deprecated since v2.14.0) Ports.\n"
     "# TYPE kube_x_ports gauge\n"),
])
def test_headers_carry_stability_and_deprecation(family: FamilyGenerator, header: str) -> None:
    assert family.header == header


@pytest.mark.parametrize(("identity", "samples", "text"), [
    ('namespace="a",pod="p"', [Sample((), 3)], 'm{namespace="a",pod="p"} 3\n'),
    ('node="n"', [Sample((("k", "v"),), 0), Sample((("k", "w"),), 1)],
     'm{node="n",k="v"} 0\nm{node="n",k="w"} 1\n'),
    ("", [Sample((("k", 'q"'),), 1)], 'm{k="q\\""} 1\n'),
    ("", [Sample((), 0.5)], "m 0.5\n"),
    ('node="n"', [], ""),
])
def test_lines_put_identity_labels_first(identity: str, samples: list[Sample],
                                         text: str) -> None:
    assert render_samples("m", identity, samples) == text
