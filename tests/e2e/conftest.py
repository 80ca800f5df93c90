"""Fixtures that drive the real kubectl binaries against the session's apiserver.

Every test that takes ``kubectl`` runs once per supported client version (1.20 and 1.32),
in a namespace of its own, with a discovery cache of its own (so one version's cache never
answers for the other) and a timeout on every invocation. ``cluster`` reads and writes the
same namespace over plain HTTP, so tests assert on the server's state and not only on what
kubectl prints.

Binaries: kubectl 1.32 is ``kubectl`` on PATH; kubectl 1.20 is the copy ``.ci/setup`` unpacks
into ``.cache/kubectl-1.20`` (``OBSERVE_KUBECTL_120`` overrides its path). A missing binary
skips the tests on a workstation and fails them in CI (``CI=true``), where they must run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from observe.testing import ApiServerProcess
from tests.http import call

REPO = Path(__file__).resolve().parents[2]
KUBECTL_120_ENV = "OBSERVE_KUBECTL_120"
KUBECTL_VERSIONS = ("1.20", "1.32")
COMMAND_TIMEOUT = 30.0
MANIFESTS = Path(__file__).parent / "manifests"


def kubectl_path(version: str) -> Path | None:
    """Where the binary of ``version`` should be (None: no ``kubectl`` on PATH)."""
    if version == "1.20":
        configured = os.environ.get(KUBECTL_120_ENV)
        return Path(configured) if configured else REPO / ".cache/kubectl-1.20/usr/bin/kubectl"
    found = shutil.which("kubectl")
    return Path(found) if found else None


def client_version(binary: Path) -> str:
    """The client's gitVersion, e.g. ``v1.20.2`` (``--client`` needs no server)."""
    done = subprocess.run([str(binary), "version", "--client", "-o", "json"],
                          capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    if done.returncode != 0:
        return ""
    return json.loads(done.stdout).get("clientVersion", {}).get("gitVersion", "")


def unavailable(message: str) -> None:
    """CI must really run these tests; elsewhere a missing kubectl only skips them."""
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def kubectl_binaries() -> dict[str, Path | str]:
    """Version -> checked binary, or -> the reason it cannot be used (reported per test)."""
    found: dict[str, Path | str] = {}
    for version in KUBECTL_VERSIONS:
        path = kubectl_path(version)
        if path is None or not (path.is_file() and os.access(path, os.X_OK)):
            hint = f" (set {KUBECTL_120_ENV} or run .ci/setup)" if version == "1.20" else ""
            where = f"at {path}" if path else "on PATH"
            found[version] = f"kubectl {version} not found {where}{hint}"
            continue
        actual = client_version(path)
        if not actual.startswith(f"v{version}."):
            found[version] = f"{path} is kubectl {actual or '(unknown)'}, not {version}"
            continue
        found[version] = path
    return found


@dataclass
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return (f"kubectl {' '.join(self.args)} -> exit {self.returncode}\n"
                f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}")


@dataclass
class Kubectl:
    """One kubectl version bound to a kubeconfig, a discovery cache and a namespace."""

    version: str
    binary: Path
    kubeconfig: Path
    cache_dir: Path
    namespace: str
    timeout: float = COMMAND_TIMEOUT

    def argv(self, args: tuple[str, ...]) -> list[str]:
        return [str(self.binary), "--kubeconfig", str(self.kubeconfig),
                "--cache-dir", str(self.cache_dir), "--namespace", self.namespace, *args]

    @staticmethod
    def env() -> dict[str, str]:
        # KUBECONFIG from the caller's shell must not merge another cluster into ours.
        return {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}

    def run(self, *args: str, stdin: str | None = None) -> Result:
        done = subprocess.run(self.argv(args), input=stdin, capture_output=True, text=True,
                              timeout=self.timeout, env=self.env())
        return Result(args, done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, stdin: str | None = None) -> str:
        """Run, require exit 0, return stdout."""
        result = self.run(*args, stdin=stdin)
        assert result.returncode == 0, f"kubectl {self.version} failed:\n{result}"
        return result.stdout

    def fails(self, *args: str, stdin: str | None = None) -> Result:
        """Run, require a non-zero exit."""
        result = self.run(*args, stdin=stdin)
        assert result.returncode != 0, f"kubectl {self.version} should have failed:\n{result}"
        return result

    def start(self, *args: str) -> Streaming:
        """Start a long-running command (``get -w``); stop it with :meth:`Streaming.stop`."""
        return Streaming(subprocess.Popen(self.argv(args), stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True, env=self.env()))


class Streaming:
    """A running kubectl whose stdout lines are collected by a reader thread, so a test can
    wait for expected lines with a deadline instead of blocking on a read."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, check: Callable[[list[str]], bool], what: str,
                 timeout: float = 15.0) -> list[str]:
        """Wait until ``check(lines so far)`` holds; fail with the output at the deadline."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not check(self.lines):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.proc.poll() is not None
                                      and not self._reader.is_alive()):
                    raise AssertionError(
                        f"no {what} within {timeout}s (exit code {self.proc.poll()}); "
                        f"output so far:\n" + "\n".join(self.lines))
                self._changed.wait(remaining)
            return list(self.lines)

    def stop(self) -> str:
        """Kill the process; return what it wrote to stderr."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(COMMAND_TIMEOUT)
        self._reader.join(COMMAND_TIMEOUT)
        assert self.proc.stderr is not None
        with self.proc.stderr:
            return self.proc.stderr.read()


@pytest.fixture(params=KUBECTL_VERSIONS, ids=lambda v: f"kubectl-{v}")
def kubectl(request: pytest.FixtureRequest, kubectl_binaries: dict[str, Path | str],
            apiserver: ApiServerProcess, namespace: str, tmp_path: Path) -> Kubectl:
    binary = kubectl_binaries[request.param]
    if not isinstance(binary, Path):
        unavailable(binary)
    assert isinstance(binary, Path)
    return Kubectl(request.param, binary, apiserver.kubeconfig, tmp_path / "kube-cache",
                   namespace)


@dataclass
class Cluster:
    """The server's side of a test: plain HTTP on the test's namespace."""

    url: str
    namespace: str

    def path(self, resource: str, name: str = "", *, group_version: str = "v1",
             namespaced: bool = True) -> str:
        root = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        scope = f"/namespaces/{self.namespace}" if namespaced else ""
        return f"{root}{scope}/{resource}" + (f"/{name}" if name else "")

    def request(self, method: str, path: str, body: Any = None, *, expect: int = 200,
                content_type: str = "application/json") -> Any:
        reply = call(method, self.url + path, body, content_type=content_type)
        if reply.status != expect:
            raise AssertionError(f"{method} {path}: expected {expect}, got {reply.status}: "
                           f"{reply.body[:500]!r}")
        return reply.json()

    def get(self, resource: str, name: str, group_version: str = "v1") -> dict[str, Any]:
        return self.request("GET", self.path(resource, name, group_version=group_version))

    def exists(self, resource: str, name: str, group_version: str = "v1") -> bool:
        path = self.path(resource, name, group_version=group_version)
        status = call("GET", self.url + path).status
        assert status in (200, 404), f"GET {path} answered {status}"
        return status == 200

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        resource, namespaced = PLURALS[body["kind"]]
        path = self.path(resource, group_version=body["apiVersion"], namespaced=namespaced)
        return self.request("POST", path, body, expect=201)

    def patch(self, resource: str, name: str, body: dict[str, Any],
              group_version: str = "v1") -> dict[str, Any]:
        return self.request("PATCH", self.path(resource, name, group_version=group_version),
                            body, content_type="application/merge-patch+json")


def pod(name: str, labels: dict[str, str], node: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "python:3.12"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": spec}


def deployment(name: str, replicas: int = 1, image: str = "python:3.12") -> dict[str, Any]:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {
                         "containers": [{"name": "app", "image": image}]}}}}


# Kind -> (plural, namespaced) for the kinds these tests create through the API.
PLURALS = {"Pod": ("pods", True), "ConfigMap": ("configmaps", True),
           "Event": ("events", True), "Service": ("services", True),
           "Deployment": ("deployments", True), "ReplicaSet": ("replicasets", True),
           "Node": ("nodes", False)}


@pytest.fixture
def cluster(apiserver: ApiServerProcess, namespace: str) -> Cluster:
    return Cluster(apiserver.url, namespace)


def table(text: str) -> list[dict[str, str]]:
    """Parse kubectl's column output into one dict per row, keyed by the header's names.

    kubectl left-aligns every column, so a column's cells start where its header starts;
    slicing by those offsets keeps cells with spaces (``NOMINATED NODE``) and empty cells."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=\s\s))\S", lines[0])]
    names = [lines[0][a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
    return [{name: line[a:b].strip()
             for name, a, b in zip(names, starts, [*starts[1:], None], strict=True)}
            for line in lines[1:]]


