"""A kubelet restart: running containers survive it and are re-adopted (same container ids,
no second copy started), and a pod deleted while the kubelet was down is cleaned up."""

from __future__ import annotations

import os

from tests.kubelet.conftest import PODS, KubeletProcess, retire, wait_until


def processes_with(marker: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            continue
    return found


def test_restarted_kubelet_re_adopts_containers(apiserver, api, namespace, tmp_path):
    kubelet = KubeletProcess(apiserver, tmp_path / "node").start()
    marker = f"observe-readopt-{namespace}"
    try:
        for name in ("keep", "drop"):
            pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                   "spec": {"nodeName": kubelet.node_name, "terminationGracePeriodSeconds": 2,
                            "containers": [{"name": "app", "image": "busybox",
                                            "command": ["sh", "-c",
                                                        f"sleep 3600; echo {marker}-{name}"]}]}}
            api.create(PODS, pod, namespace=namespace)

        def running_ids():
            ids = {}
            for name in ("keep", "drop"):
                statuses = api.get(PODS, name, namespace=namespace).get(
                    "status", {}).get("containerStatuses") or []
                if not statuses or "running" not in statuses[0]["state"]:
                    return None
                ids[name] = statuses[0]["containerID"]
            return ids

        before = wait_until(running_ids, what="both pods running")
        pids_before = processes_with(f"{marker}-keep")
        assert len(pids_before) == 1
        kubelet.stop()
        assert processes_with(f"{marker}-keep") == pids_before, "containers outlive the kubelet"
        # Deleted while no kubelet runs: it stays terminating until a kubelet finishes it.
        api.delete(PODS, "drop", namespace=namespace)
        kubelet.start()
        assert "re-adopted 2 containers (2 running)" in kubelet.log()
        wait_until(lambda: not [p for p in api.list(PODS, namespace=namespace)["items"]
                                if p["metadata"]["name"] == "drop"],
                   what="the pod deleted meanwhile to be finished off")
        wait_until(lambda: not processes_with(f"{marker}-drop"), what="its container stopped")
        after = api.get(PODS, "keep", namespace=namespace)["status"]["containerStatuses"][0]
        assert after["containerID"] == before["keep"]
        assert after["restartCount"] == 0 and "running" in after["state"]
        assert processes_with(f"{marker}-keep") == pids_before, "no duplicate was started"
    finally:
        retire(kubelet, api)
