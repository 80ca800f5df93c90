"""Restarts keep every object and resourceVersion; SIGKILL loses no acknowledged write."""

from __future__ import annotations

import threading

from observe.testing import ApiServerProcess
from tests.http import call


def test_restart_keeps_objects_and_resource_versions(tmp_path):
    server = ApiServerProcess(tmp_path / "api")
    with server:
        base = f"{server.url}/api/v1/namespaces/default/configmaps"
        for i in range(20):
            call("POST", base, {"metadata": {"name": f"keep-{i}"}, "data": {"i": str(i)}})
        before = call("GET", base).json()
    restarted = ApiServerProcess(tmp_path / "api", port=server.port)
    with restarted:
        after = call("GET", base).json()
        assert after["items"] == before["items"]
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
        created = call("POST", base, {"metadata": {"name": "next"}}).json()
        assert int(created["metadata"]["resourceVersion"]) > int(
            before["metadata"]["resourceVersion"])


def test_sigkill_during_a_write_storm_loses_no_acknowledged_write(tmp_path):
    server = ApiServerProcess(tmp_path / "api")
    server.start()
    base = f"{server.url}/api/v1/namespaces/default/configmaps"
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(worker: int) -> None:
        i = 0
        while not stop.is_set():
            name = f"w{worker}-{i}"
            try:
                reply = call("POST", base, {"metadata": {"name": name}}, timeout=5)
            except OSError:
                return  # the server is gone: this write was never acknowledged
            if reply.status == 201:
                with lock:
                    acknowledged.append(name)
            i += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    import time
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            if len(acknowledged) >= 200:
                break
        time.sleep(0.01)
    server.kill()
    stop.set()
    for t in threads:
        t.join(10)
    assert len(acknowledged) >= 200
    restarted = ApiServerProcess(tmp_path / "api", port=server.port)
    with restarted:
        names = {c["metadata"]["name"] for c in call("GET", base).json()["items"]}
    missing = set(acknowledged) - names
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {sorted(missing)[:5]}"
