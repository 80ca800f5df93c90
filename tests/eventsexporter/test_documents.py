"""An Event becomes one document per occurrence count, in the day of its last occurrence."""

from __future__ import annotations

import orjson
import pytest

from observe.eventsexporter.documents import document_id, event_document, event_record


def event(**overrides):
    base = {
        "metadata": {"name": "web-1.17f", "namespace": "shop", "uid": "e-uid",
                     "creationTimestamp": "2024-05-01T10:00:00Z"},
        "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop",
                           "uid": "p-uid", "apiVersion": "v1",
                           "fieldPath": "spec.containers{app}"},
        "reason": "BackOff", "type": "Warning", "count": 3,
        "message": "Back-off restarting failed container",
        "firstTimestamp": "2024-05-01T10:00:00Z", "lastTimestamp": "2024-05-02T00:00:01Z",
        "source": {"component": "kubelet", "host": "node-1"},
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(("overrides", "want_id"), [
    ({}, "e-uid-3"),
    ({"count": None}, "e-uid-1"),
    ({"count": 0}, "e-uid-1"),
    ({"series": {"count": 7, "lastObservedTime": "2024-05-02T00:00:01Z"}}, "e-uid-7"),
    ({"metadata": {"name": "x", "namespace": "ns"}}, "ns/x-3"),
])
def test_document_id_is_uid_and_count(overrides, want_id):
    assert document_id(event(**overrides)) == want_id


def test_document_carries_object_reason_type_count_and_both_timestamps():
    doc = event_document(event())
    assert doc["@timestamp"] == "2024-05-02T00:00:01Z"
    assert doc["message"] == "Back-off restarting failed container"
    k8s = doc["kubernetes"]
    assert k8s["namespace"] == "shop"
    assert k8s["event"] == {
        "name": "web-1.17f", "uid": "e-uid", "reason": "BackOff", "type": "Warning",
        "count": 3, "first_timestamp": "2024-05-01T10:00:00Z",
        "last_timestamp": "2024-05-02T00:00:01Z",
        "source": {"component": "kubelet", "host": "node-1"}}
    assert k8s["involved_object"] == {"kind": "Pod", "name": "web-1", "namespace": "shop",
                                      "uid": "p-uid", "api_version": "v1",
                                      "field_path": "spec.containers{app}"}
    assert k8s["pod"] == {"name": "web-1", "uid": "p-uid"}, "pod events join pod logs"
    assert doc["host"] == {"name": "node-1"}


@pytest.mark.parametrize(("overrides", "first", "last"), [
    ({"firstTimestamp": None, "lastTimestamp": None}, "2024-05-01T10:00:00Z",
     "2024-05-01T10:00:00Z"),
    ({"firstTimestamp": None, "lastTimestamp": None, "eventTime": "2024-05-03T01:02:03.000004Z",
      "series": {"count": 2, "lastObservedTime": "2024-05-04T00:00:00Z"}},
     "2024-05-03T01:02:03.000004Z", "2024-05-04T00:00:00Z"),
])
def test_timestamps_fall_back_like_kubectl(overrides, first, last):
    doc = event_document(event(**overrides))
    assert doc["kubernetes"]["event"]["first_timestamp"] == first
    assert doc["kubernetes"]["event"]["last_timestamp"] == last


def test_a_node_event_has_no_pod_and_no_empty_fields():
    doc = event_document(event(involvedObject={"kind": "Node", "name": "node-1"},
                               source={}, message=None))
    assert "pod" not in doc["kubernetes"]
    assert "host" not in doc
    assert doc["kubernetes"]["involved_object"] == {"kind": "Node", "name": "node-1"}
    assert "message" not in doc


def test_record_goes_to_the_day_of_the_last_occurrence():
    record = event_record(event())
    assert record.index == "observe-events-2024.05.02"
    assert record.id == "e-uid-3"
    assert orjson.loads(record.source)["kubernetes"]["event"]["count"] == 3
