"""metav1.LabelSelector matching and validation as the workload schemas use them."""

import pytest

from observe.api.kinds.selectors import (
    canonical_selector,
    selector_is_empty,
    selector_matches,
    validate_label_selector,
)

LABELS = {"app": "web", "tier": "front"}


@pytest.mark.parametrize(("selector", "matches"), [
    ({}, True),
    (None, False),
    ({"matchLabels": {"app": "web"}}, True),
    ({"matchLabels": {"app": "db"}}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "x"]}]}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}, False),
    ({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}, True),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, True),
    ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, False),
    ({"matchLabels": {"app": "web"},
      "matchExpressions": [{"key": "zone", "operator": "Exists"}]}, False),
    ({"matchExpressions": [{"key": "app", "operator": "Near"}]}, False),
    ({"matchLabels": "app=web"}, False),
])
def test_selector_matches(selector, matches):
    assert selector_matches(selector, LABELS) is matches


@pytest.mark.parametrize(("selector", "expected"), [
    ({"matchLabels": {"app": "web"}}, []),
    ({"matchExpressions": [{"key": "a", "operator": "In"}]},
     [("s.matchExpressions[0].values", "FieldValueRequired")]),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
     [("s.matchExpressions[0].values", "FieldValueForbidden")]),
    ({"matchExpressions": [{"key": "a", "operator": "Near"}]},
     [("s.matchExpressions[0].operator", "FieldValueInvalid")]),
    # As upstream: an empty key is an invalid qualified name, reported twice.
    ({"matchExpressions": [{"operator": "Exists"}]},
     [("s.matchExpressions[0].key", "FieldValueInvalid")] * 2),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["no spaces"]}]},
     [("s.matchExpressions[0].values[0]", "FieldValueInvalid")]),
    ({"matchLabels": {"bad key": "x"}}, [("s.matchLabels", "FieldValueInvalid")]),
])
def test_validate_label_selector(selector, expected):
    assert [(c.field, c.reason) for c in validate_label_selector(selector, "s")] == expected


def test_empty_selector_and_canonical_form():
    assert selector_is_empty({"matchLabels": {}, "matchExpressions": []})
    assert not selector_is_empty({"matchLabels": {"a": "b"}})
    assert canonical_selector({"matchLabels": {"a": "b"}, "matchExpressions": []}) == \
        canonical_selector({"matchLabels": {"a": "b"}})
