"""The element order kube-apiserver gives a merged list."""

from __future__ import annotations

import pytest

from observe.api.patch.ordering import arrange

# (id, merged items, patch order, live order, expected)
CASES = [
    ("patch order wins for patch items", "ABC", "CAB", "ABC", "CAB"),
    ("a new item goes first", "ABN", "N", "AB", "NAB"),
    ("server-only items keep their live place", "BCAD", "ABD", "BCA", "CABD"),
    ("server-only items go before patch items the live list had later", "CBDAE", "AB", "CBDAE",
     "CDABE"),
    ("server-only items after the last patch item stay last", "ABZ", "AB", "ABZ", "ABZ"),
    ("items unknown to both keep their relative order at the end", "AXY", "A", "A", "AXY"),
    ("nothing from the patch", "AB", "", "BA", "BA"),
]


@pytest.mark.parametrize(("items", "patch", "live", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_arrange(items: str, patch: str, live: str, expected: str) -> None:
    assert "".join(arrange(list(items), lambda x: x, patch, live)) == expected
