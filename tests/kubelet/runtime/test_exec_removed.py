"""Exec into a container the runtime has removed (a readiness probe still in flight when its
pod is deleted) fails as "not running", the error probes turn into a failed outcome,
instead of escaping as a KeyError."""

from __future__ import annotations

import sys

import pytest

from observe.kubelet.layout import Layout
from observe.kubelet.runtime.process import ProcessRuntime
from observe.kubelet.runtime.types import ContainerConfig

PATH = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}


@pytest.mark.parametrize("container_id", ["removed", "never-existed"])
async def test_exec_into_a_missing_container_is_not_running(tmp_path, container_id):
    layout = Layout(tmp_path / "root")
    layout.create()
    runtime = ProcessRuntime(layout, python=sys.executable, cgroup_driver=None,
                             namespaces=False, log_max_size=10 << 20, log_max_files=5)
    if container_id == "removed":
        status = await runtime.start(ContainerConfig(
            pod_uid="uid-1", pod_name="p", pod_namespace="ns", name="app", attempt=0,
            argv=["sleep", "60"], env=PATH, working_dir="/",
            log_path=str(layout.container_log("ns", "p", "uid-1", "app", 0)),
            image="docker.io/library/busybox:latest", image_id="id"))
        runtime.remove(status.id)
        container_id = status.id
    with pytest.raises(RuntimeError, match="is not running"):
        await runtime.exec(container_id, ["true"], 5)
