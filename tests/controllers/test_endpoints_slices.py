"""The EndpointSlice controller's pure parts: endpoint conditions, grouping by port set, and
the reconciler's create/update/delete decisions."""

from __future__ import annotations

import pytest

from observe.controllers.endpointslice import (
    CONTROLLER_NAME,
    MANAGED_BY_LABEL,
    SERVICE_NAME_LABEL,
    desired_endpoints,
    new_slice,
    reconcile_slices,
)
from tests.controllers.test_endpoints import pod, service

PORTS = [{"name": "http", "port": 8080, "protocol": "TCP"}]


def slice_of(name: str, ips: list[str], ports: list | None = None) -> dict:
    body = new_slice(service(), PORTS if ports is None else ports,
                     [{"addresses": [ip], "conditions": {"ready": True, "serving": True,
                                                          "terminating": False}}
                      for ip in ips])
    body["metadata"]["name"] = name
    body["metadata"].pop("generateName")
    return body


def endpoints_of(service_obj: dict, pods: list[dict]) -> dict:
    return desired_endpoints(service_obj, pods)


def ips(slice_: dict) -> list[str]:
    return [e["addresses"][0] for e in slice_["endpoints"]]


@pytest.mark.parametrize("name, make, want", [
    ("ready", lambda: pod("a"), {"ready": True, "serving": True, "terminating": False}),
    ("not ready", lambda: pod("a", ready=False),
     {"ready": False, "serving": False, "terminating": False}),
    ("terminating but still serving", lambda: pod("a", deleting=True),
     {"ready": False, "serving": True, "terminating": True}),
])
def test_endpoint_conditions(name, make, want):
    groups = endpoints_of(service(), [make()])
    [(ports, endpoints)] = groups.values()
    assert ports == PORTS
    assert endpoints[0]["conditions"] == want, name
    assert endpoints[0]["targetRef"] == {"kind": "Pod", "namespace": "ns", "name": "a",
                                         "uid": "uid-a"}
    assert endpoints[0]["nodeName"] == "n1"


def test_new_slice_is_labelled_and_owned_like_upstream():
    body = new_slice(service(), PORTS, [])
    assert body["metadata"]["generateName"] == "web-"
    assert body["metadata"]["labels"] == {"team": "a", SERVICE_NAME_LABEL: "web",
                                          MANAGED_BY_LABEL: CONTROLLER_NAME}
    assert body["metadata"]["ownerReferences"] == [{
        "apiVersion": "v1", "kind": "Service", "name": "web", "uid": "svc-uid",
        "controller": True, "blockOwnerDeletion": True}]
    assert body["addressType"] == "IPv4"


def test_first_sync_creates_one_slice_with_every_endpoint():
    pods = [pod("a", "127.1.0.3"), pod("b", "127.1.0.2")]
    actions = reconcile_slices(service(), endpoints_of(service(), pods), [])
    assert [ips(s) for s in actions.create] == [["127.1.0.2", "127.1.0.3"]]
    assert not actions.update and not actions.delete


def test_no_change_means_no_writes():
    desired = endpoints_of(service(), [pod("a", "127.1.0.2")])
    [(ports, endpoints)] = desired.values()
    existing = new_slice(service(), ports, endpoints)
    existing["metadata"]["name"] = "web-x"
    assert reconcile_slices(service(), desired, [existing]).empty


def test_an_unready_pod_updates_its_slice_in_place():
    existing = [slice_of("web-x", ["127.1.0.2", "127.1.0.3"])]
    pods = [pod("a", "127.1.0.2"), pod("b", "127.1.0.3", ready=False)]
    actions = reconcile_slices(service(), endpoints_of(service(), pods), existing)
    assert not actions.create and not actions.delete
    [updated] = actions.update
    assert updated["metadata"]["name"] == "web-x"
    assert [e["conditions"]["ready"] for e in updated["endpoints"]] == [True, False]


def test_newcomers_fill_existing_slices_before_new_ones_are_made():
    existing = [slice_of("web-x", ["127.1.0.2"])]
    pods = [pod(f"p{i}", f"127.1.0.{i}") for i in range(2, 7)]
    actions = reconcile_slices(service(), endpoints_of(service(), pods), existing,
                               max_endpoints=3)
    assert [ips(s) for s in actions.update] == [["127.1.0.2", "127.1.0.3", "127.1.0.4"]]
    assert [ips(s) for s in actions.create] == [["127.1.0.5", "127.1.0.6"]]


def test_a_port_change_replaces_slices_and_no_endpoints_leaves_one_placeholder():
    existing = [slice_of("web-x", ["127.1.0.2"], ports=[{"name": "http", "port": 9999,
                                                          "protocol": "TCP"}])]
    actions = reconcile_slices(service(), endpoints_of(service(), [pod("a")]), existing)
    assert [s["metadata"]["name"] for s in actions.delete] == ["web-x"]
    assert [ips(s) for s in actions.create] == [["127.1.0.2"]]
    emptied = reconcile_slices(service(), {}, existing)
    assert [s["metadata"]["name"] for s in emptied.delete] == ["web-x"]
    assert [(s["endpoints"], s["ports"]) for s in emptied.create] == [([], [])]


def test_an_existing_placeholder_is_kept():
    placeholder = slice_of("web-x", [], ports=[])
    actions = reconcile_slices(service(), {}, [placeholder])
    assert actions.empty, actions


def test_a_duplicated_address_is_kept_once():
    existing = [slice_of("web-x", ["127.1.0.2"]), slice_of("web-y", ["127.1.0.2"])]
    actions = reconcile_slices(service(), endpoints_of(service(), [pod("a")]), existing)
    assert [s["metadata"]["name"] for s in actions.delete] == ["web-y"]
