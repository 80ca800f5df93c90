"""kube_namespace_*, kube_service_*, kube_endpoint_*, kube_persistentvolumeclaim_*,
kube_horizontalpodautoscaler_*, kube_persistentvolume_* and kube_poddisruptionbudget_*."""

from __future__ import annotations

from exporters.state.metrics import (
    endpoints,
    horizontalpodautoscalers,
    namespaces,
    persistentvolumeclaims,
    persistentvolumes,
    poddisruptionbudgets,
    services,
)
from exporters.state.testing import exposition, series

CREATED = "2024-05-01T00:00:00Z"


def test_namespace_phase_is_always_two_series() -> None:
    ns = {"metadata": {"name": "shop", "creationTimestamp": CREATED},
          "status": {"phase": "Terminating",
                     "conditions": [{"type": "NamespaceContentRemaining", "status": "True"}]}}
    assert series(exposition(namespaces.KIND, ns)) == [
        'kube_namespace_created{namespace="shop"} 1.7145216e+09',
        'kube_namespace_status_phase{namespace="shop",phase="Active"} 0',
        'kube_namespace_status_phase{namespace="shop",phase="Terminating"} 1',
        'kube_namespace_status_condition{namespace="shop",condition="NamespaceContentRemaining",'
        'status="true"} 1',
        'kube_namespace_status_condition{namespace="shop",condition="NamespaceContentRemaining",'
        'status="false"} 0',
        'kube_namespace_status_condition{namespace="shop",condition="NamespaceContentRemaining",'
        'status="unknown"} 0',
    ]


def test_load_balancer_service() -> None:
    svc = {"metadata": {"name": "web", "namespace": "shop", "uid": "u1",
                        "creationTimestamp": CREATED},
           "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.10",
                    "externalTrafficPolicy": "Local", "externalIPs": ["192.0.2.1"]},
           "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.5"}]}}}
    s = 'namespace="shop",service="web",uid="u1"'
    assert series(exposition(services.KIND, svc)) == [
        f'kube_service_info{{{s},cluster_ip="10.96.0.10",external_name="",load_balancer_ip="",'
        'external_traffic_policy="Local"} 1',
        f"kube_service_created{{{s}}} 1.7145216e+09",
        f'kube_service_spec_type{{{s},type="LoadBalancer"}} 1',
        f'kube_service_spec_external_ip{{{s},external_ip="192.0.2.1"}} 1',
        f'kube_service_status_load_balancer_ingress{{{s},ip="203.0.113.5",hostname=""}} 1',
    ]


def test_endpoints_list_every_address_per_port() -> None:
    ep = {"metadata": {"name": "web", "namespace": "shop", "creationTimestamp": CREATED},
          "subsets": [{"addresses": [{"ip": "10.1.0.7"}, {"ip": "10.1.0.8"}],
                       "notReadyAddresses": [{"ip": "10.1.0.9"}],
                       "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]}
    e = 'namespace="shop",endpoint="web"'
    text = exposition(endpoints.KIND, ep)
    assert series(text) == [
        f"kube_endpoint_info{{{e}}} 1",
        f"kube_endpoint_created{{{e}}} 1.7145216e+09",
        *[f'kube_endpoint_address{{{e},port_protocol="TCP",port_number="8080",port_name="http",'
          f'ip="{ip}",ready="{ready}"}} 1'
          for ip, ready in (("10.1.0.7", "true"), ("10.1.0.8", "true"), ("10.1.0.9", "false"))],
        f'kube_endpoint_ports{{{e},port_name="http",port_protocol="TCP",port_number="8080"}} 1',
    ]
    assert ("# HELP kube_endpoint_ports [STABLE] (Deprecated since v2.14.0) Information about "
            "the Endpoint ports.\n") in text


def test_bound_claim() -> None:
    pvc = {"metadata": {"name": "data", "namespace": "shop", "creationTimestamp": CREATED},
           "spec": {"storageClassName": "fast", "volumeName": "pv-1", "volumeMode": "Filesystem",
                    "accessModes": ["ReadWriteOnce", "ReadOnlyMany"],
                    "resources": {"requests": {"storage": "10Gi"}}},
           "status": {"phase": "Bound"}}
    p = 'namespace="shop",persistentvolumeclaim="data"'
    assert series(exposition(persistentvolumeclaims.KIND, pvc)) == [
        f'kube_persistentvolumeclaim_info{{{p},storageclass="fast",volumename="pv-1",'
        'volumemode="Filesystem"} 1',
        f'kube_persistentvolumeclaim_status_phase{{{p},phase="Lost"}} 0',
        f'kube_persistentvolumeclaim_status_phase{{{p},phase="Bound"}} 1',
        f'kube_persistentvolumeclaim_status_phase{{{p},phase="Pending"}} 0',
        f"kube_persistentvolumeclaim_resource_requests_storage_bytes{{{p}}} 1.073741824e+10",
        f'kube_persistentvolumeclaim_access_mode{{{p},access_mode="ReadWriteOnce"}} 1',
        f'kube_persistentvolumeclaim_access_mode{{{p},access_mode="ReadOnlyMany"}} 1',
        f"kube_persistentvolumeclaim_created{{{p}}} 1.7145216e+09",
    ]


def test_claim_without_class_and_with_the_beta_annotation() -> None:
    plain = {"metadata": {"name": "a", "namespace": "x"}, "spec": {}}
    beta = {"metadata": {"name": "b", "namespace": "x", "annotations": {
        "volume.beta.kubernetes.io/storage-class": "old"}}, "spec": {"storageClassName": "new"}}
    assert series(exposition(persistentvolumeclaims.KIND, plain),
                  "kube_persistentvolumeclaim_info") == [
        'kube_persistentvolumeclaim_info{namespace="x",persistentvolumeclaim="a",'
        'storageclass="<none>",volumename="",volumemode=""} 1']
    assert 'storageclass="old"' in exposition(persistentvolumeclaims.KIND, beta)


def test_autoscaler() -> None:
    hpa = {"metadata": {"name": "web", "namespace": "shop", "generation": 2},
           "spec": {"minReplicas": 2, "maxReplicas": 10,
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                       "name": "web"},
                    "metrics": [{"type": "Resource", "resource": {
                        "name": "cpu", "target": {"type": "Utilization",
                                                  "averageUtilization": 80}}},
                                {"type": "Pods", "pods": {
                                    "metric": {"name": "rps"},
                                    "target": {"type": "AverageValue", "averageValue": "100"}}}]},
           "status": {"currentReplicas": 3, "desiredReplicas": 4,
                      "currentMetrics": [{"type": "Resource", "resource": {
                          "name": "cpu", "current": {"averageUtilization": 95,
                                                     "averageValue": "950m"}}}],
                      "conditions": [{"type": "ScalingLimited", "status": "False"}]}}
    h = 'namespace="shop",horizontalpodautoscaler="web"'
    assert series(exposition(horizontalpodautoscalers.KIND, hpa)) == [
        f'kube_horizontalpodautoscaler_info{{{h},scaletargetref_api_version="apps/v1",'
        'scaletargetref_kind="Deployment",scaletargetref_name="web"} 1',
        f"kube_horizontalpodautoscaler_metadata_generation{{{h}}} 2",
        f"kube_horizontalpodautoscaler_spec_max_replicas{{{h}}} 10",
        f"kube_horizontalpodautoscaler_spec_min_replicas{{{h}}} 2",
        f'kube_horizontalpodautoscaler_spec_target_metric{{{h},metric_name="cpu",'
        'metric_target_type="utilization"} 80',
        f'kube_horizontalpodautoscaler_spec_target_metric{{{h},metric_name="rps",'
        'metric_target_type="average"} 100',
        f'kube_horizontalpodautoscaler_status_target_metric{{{h},metric_name="cpu",'
        'metric_target_type="utilization"} 95',
        f"kube_horizontalpodautoscaler_status_current_replicas{{{h}}} 3",
        f"kube_horizontalpodautoscaler_status_desired_replicas{{{h}}} 4",
        *[f'kube_horizontalpodautoscaler_status_condition{{{h},condition="ScalingLimited",'
          f'status="{s}"}} {v}' for s, v in (("true", 0), ("false", 1), ("unknown", 0))],
    ]


def test_volume_and_disruption_budget() -> None:
    pv = {"metadata": {"name": "pv-1", "creationTimestamp": CREATED},
          "spec": {"capacity": {"storage": "10Gi"},
                   "claimRef": {"name": "data", "namespace": "shop"}},
          "status": {"phase": "Failed"}}
    assert series(exposition(persistentvolumes.KIND, pv)) == [
        *[f'kube_persistentvolume_status_phase{{persistentvolume="pv-1",phase="{p}"}} '
          f'{int(p == "Failed")}'
          for p in ("Pending", "Available", "Bound", "Released", "Failed")],
        'kube_persistentvolume_claim_ref{persistentvolume="pv-1",name="data",'
        'claim_namespace="shop"} 1',
        'kube_persistentvolume_capacity_bytes{persistentvolume="pv-1"} 1.073741824e+10',
        'kube_persistentvolume_created{persistentvolume="pv-1"} 1.7145216e+09',
    ]
    pdb = {"metadata": {"name": "web", "namespace": "shop"},
           "status": {"currentHealthy": 2, "desiredHealthy": 3, "disruptionsAllowed": 0,
                      "expectedPods": 4, "observedGeneration": 1}}
    b = 'namespace="shop",poddisruptionbudget="web"'
    assert series(exposition(poddisruptionbudgets.KIND, pdb)) == [
        f"kube_poddisruptionbudget_status_current_healthy{{{b}}} 2",
        f"kube_poddisruptionbudget_status_desired_healthy{{{b}}} 3",
        f"kube_poddisruptionbudget_status_pod_disruptions_allowed{{{b}}} 0",
        f"kube_poddisruptionbudget_status_expected_pods{{{b}}} 4",
        f"kube_poddisruptionbudget_status_observed_generation{{{b}}} 1",
    ]
