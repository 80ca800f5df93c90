"""``/metrics/cadvisor`` of a real kubelet running real containers in cgroups: the working set
of a container that holds 40 MiB under a 64 MiB limit, an OOM kill counted in
``container_oom_events_total``, CFS throttling of a CPU-limited busy loop, and the series'
identity labels (one container series, one pod series with ``container=""``)."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.kubelet.conftest import PODS, wait_until
from tests.kubelet.test_integration import busybox, cgroups_writable, make_pod, wait_running

pytestmark = pytest.mark.skipif(not cgroups_writable(),
                                reason="cgroups are not writable here: no container cgroups")

MIB = 1024 * 1024


def scrape(kubelet) -> dict[str, list]:
    """Family name -> its samples."""
    with urllib.request.urlopen(f"{kubelet.url}/metrics/cadvisor", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def value(kubelet, family: str, namespace: str, pod: str, container: str, scraped=None,
          **labels):
    """The one sample of ``family`` for that container (or None while there is none), from
    ``scraped`` or a new scrape."""
    name = family.removesuffix("_total")
    found = [s for s in (scraped or scrape(kubelet)).get(name, [])
             if s.labels["namespace"] == namespace and s.labels["pod"] == pod
             and s.labels["container"] == container
             and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) <= 1, f"{family}: several series for {pod}/{container}: {found}"
    return found[0].value if found else None


def test_working_set_of_40_mib_under_a_64_mib_limit(kubelet, api, namespace):
    # tail keeps the last 40 MiB it read while its input stays open: 40 MiB of heap with
    # next to nothing else (an interpreter would add its own megabytes).
    holder = busybox("(head -c 41943040 /dev/zero; exec sleep 3600) | tail -c 41943040",
                     resources={"limits": {"memory": "64Mi"}})
    api.create(PODS, make_pod(kubelet, "holder", [holder]), namespace=namespace)
    wait_running(api, namespace, "holder")

    def settled():
        working_set = value(kubelet, "container_memory_working_set_bytes", namespace,
                            "holder", "app")
        return working_set if working_set and working_set > 36 * MIB else None

    working_set = wait_until(settled, what="the holder's working set to reach 40 MiB")
    assert abs(working_set - 40 * MIB) <= 4 * MIB, f"working set {working_set / MIB:.1f} MiB"
    assert value(kubelet, "container_spec_memory_limit_bytes", namespace, "holder",
                 "app") == 64 * MIB
    families = scrape(kubelet)
    pod_series = [s for s in families["container_memory_working_set_bytes"]
                  if s.labels["pod"] == "holder" and s.labels["container"] == ""]
    assert len(pod_series) == 1, pod_series
    assert pod_series[0].labels["image"] == pod_series[0].labels["name"] == ""
    assert pod_series[0].value >= working_set
    container = next(s for s in families["container_memory_working_set_bytes"]
                     if s.labels["pod"] == "holder" and s.labels["container"] == "app")
    assert container.labels["id"].startswith(pod_series[0].labels["id"] + "/")
    assert container.labels["name"] == container.labels["id"].rsplit("/", 1)[1]
    assert "busybox" in container.labels["image"]


def test_oom_kill_increments_container_oom_events_total(kubelet, api, namespace):
    hog = {"name": "hog", "image": "python:3.12", "imagePullPolicy": "IfNotPresent",
           "command": ["python", "-c", "import time; time.sleep(3); "
                       "x = bytearray(300 * 1024 * 1024)"],
           "resources": {"limits": {"memory": "50Mi"}}}
    api.create(PODS, make_pod(kubelet, "hog", [hog], restartPolicy="Never"),
               namespace=namespace)
    def oom_events():
        return value(kubelet, "container_oom_events_total", namespace, "hog", "hog")

    # A one-element tuple, so that a count of 0 is something to have waited for.
    before = wait_until(lambda: (v := oom_events()) is not None and (v,),
                        what="the hog's series while it sleeps")
    assert before == (0,)
    after = wait_until(oom_events, what="the hog's OOM kill to be counted")
    assert after == 1


def test_cpu_limited_busy_loop_is_throttled(kubelet, api, namespace):
    spinner = busybox("while :; do :; done", resources={"limits": {"cpu": "100m"}})
    api.create(PODS, make_pod(kubelet, "spinner", [spinner]), namespace=namespace)
    wait_running(api, namespace, "spinner")

    def counters():
        scraped = scrape(kubelet)
        periods, throttled = (value(kubelet, family, namespace, "spinner", "app", scraped)
                              for family in ("container_cpu_cfs_periods_total",
                                             "container_cpu_cfs_throttled_periods_total"))
        return (periods, throttled) if throttled else None

    first = wait_until(counters, what="throttled periods of the spinner")
    later = wait_until(lambda: (c := counters()) and c[1] > first[1] and c,
                       what="throttled periods to keep growing")
    assert later[0] > first[0] and later[1] <= later[0]
    assert value(kubelet, "container_spec_cpu_quota", namespace, "spinner", "app") == 10_000
    usage = value(kubelet, "container_cpu_usage_seconds_total", namespace, "spinner", "app",
                  cpu="total")
    assert usage is not None and usage > 0
