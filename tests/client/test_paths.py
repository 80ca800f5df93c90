"""REST paths built from resource types: the URLs kubectl itself requests."""

from __future__ import annotations

import pytest

from observe.api.registry import default_registry
from observe.client.paths import resource_path

REGISTRY = default_registry()
PODS = REGISTRY.get("", "pods")
DEPLOYMENTS = REGISTRY.get("apps", "deployments")
NODES = REGISTRY.get("", "nodes")
NAMESPACES = REGISTRY.get("", "namespaces")


@pytest.mark.parametrize(
    ("rt", "kwargs", "want"),
    [
        (PODS, {"namespace": "default"}, "/api/v1/namespaces/default/pods"),
        (PODS, {}, "/api/v1/pods"),
        (PODS, {"namespace": "default", "name": "web"}, "/api/v1/namespaces/default/pods/web"),
        (PODS, {"namespace": "default", "name": "web", "subresource": "log"},
         "/api/v1/namespaces/default/pods/web/log"),
        (DEPLOYMENTS, {"namespace": "prod", "name": "api", "subresource": "scale"},
         "/apis/apps/v1/namespaces/prod/deployments/api/scale"),
        (DEPLOYMENTS, {}, "/apis/apps/v1/deployments"),
        (NODES, {"name": "n1"}, "/api/v1/nodes/n1"),
        (NODES, {"namespace": "ignored", "name": "n1"}, "/api/v1/nodes/n1"),
        (NAMESPACES, {"name": "kube-system"}, "/api/v1/namespaces/kube-system"),
        (PODS, {"namespace": "default", "name": "a/b?c"},
         "/api/v1/namespaces/default/pods/a%2Fb%3Fc"),
    ],
    ids=["ns-collection", "all-namespaces", "object", "subresource", "group-subresource",
         "group-all-namespaces", "cluster-scoped", "cluster-scoped-ignores-namespace",
         "namespace-object", "name-is-escaped"],
)
def test_resource_path(rt, kwargs, want):
    assert resource_path(rt, **kwargs) == want


@pytest.mark.parametrize(
    "kwargs",
    [{"name": "web"}, {"namespace": "default", "subresource": "status"},
     {"namespace": "default", "name": ""  , "subresource": "status"}],
    ids=["namespaced-object-without-namespace", "subresource-without-name", "empty-name"],
)
def test_impossible_paths_are_refused(kwargs):
    with pytest.raises(ValueError):
        resource_path(PODS, **kwargs)
