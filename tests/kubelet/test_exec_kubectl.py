"""``kubectl exec`` (1.32, over its websocket protocol) and the official Python client's
``stream`` against a real apiserver and a real kubelet: the command runs inside the
container (its hostname, environment and working directory), output and exit codes come
back, stdin reaches it, ``-it`` gives a terminal, and mistakes get kubectl's messages."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import shutil
import signal
import subprocess
import time
import uuid

import pytest

from observe.kubelet.runtime import namespaces
from tests.kubelet.conftest import PODS, REGISTRY, wait_until
from tests.kubelet.test_integration import busybox, make_pod

KUBECTL = shutil.which("kubectl")
NAMESPACES = REGISTRY.get("", "namespaces")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
TIMEOUT = 60
ISOLATED = namespaces.supported()  # root: the pod has its own hostname and mounts


def exec_kubectl(apiserver, namespace, *args, stdin=None):
    return subprocess.run([KUBECTL, "--kubeconfig", str(apiserver.kubeconfig), "-n",
                           namespace, "exec", *args], input=stdin, capture_output=True,
                          text=True, timeout=TIMEOUT)


def all_running(api, namespace, name):
    statuses = (api.get(PODS, name, namespace=namespace).get("status") or {}).get(
        "containerStatuses") or []
    return statuses and all("running" in s.get("state", {}) for s in statuses)


@pytest.fixture(scope="module")
def ns(kubelet, api):
    """A namespace for the module, holding ``shell``: two running containers."""
    name = f"exec-{uuid.uuid4().hex[:8]}"
    api.create(NAMESPACES, {"apiVersion": "v1", "kind": "Namespace",
                            "metadata": {"name": name}})
    app = busybox("sleep 3600", env=[{"name": "GREETING", "value": "hello"}],
                  workingDir="/tmp")
    side = busybox("sleep 3600", name="side")
    api.create(PODS, make_pod(kubelet, "shell", [app, side]), namespace=name)
    wait_until(lambda: all_running(api, name, "shell"), what="shell's containers running")
    return name


@pytest.mark.skipif(not ISOLATED, reason="the pod's own hostname needs root")
def test_exec_hostname_prints_the_pods_name(kubelet, ns):
    done = exec_kubectl(kubelet.apiserver, ns, "shell", "-c", "app", "--", "hostname")
    assert (done.returncode, done.stdout, done.stderr) == (0, "shell\n", "")


@pytest.mark.parametrize("container", ["app", "side"])
def test_exec_runs_in_the_named_container(kubelet, ns, container):
    script = 'echo "$GREETING|$(pwd)"'
    done = exec_kubectl(kubelet.apiserver, ns, "shell", "-c", container, "--", "sh", "-c",
                        script)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("hello|/tmp\n" if container == "app" else "|/\n")


@pytest.mark.parametrize(("script", "code", "stdout", "stderr"), [
    ("exit 3", 3, "", "command terminated with exit code 3\n"),
    ("echo out; echo err >&2; exit 0", 0, "out\n", "err\n"),
    ("echo partial; exit 42", 42, "partial\n", "command terminated with exit code 42\n"),
    ("kill -9 $$", 137, "", "command terminated with exit code 137\n"),
])
def test_exit_codes_and_streams_come_back(kubelet, ns, script, code, stdout, stderr):
    done = exec_kubectl(kubelet.apiserver, ns, "shell", "-c", "app", "--", "sh", "-c", script)
    assert (done.returncode, done.stdout, done.stderr) == (code, stdout, stderr)


def test_piped_stdin_reaches_the_command_and_ends_it(kubelet, ns):
    text = "hi\n" + "x" * 100_000 + "\nbye\n"
    done = exec_kubectl(kubelet.apiserver, ns, "-i", "shell", "-c", "app", "--", "cat",
                        stdin=text)
    assert done.returncode == 0, done.stderr
    assert done.stdout == text


def read_until(fd, wanted: bytes, timeout: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {wanted!r} on the terminal; saw {seen!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: kubectl has exited
                chunk = b""
            if not chunk:
                raise AssertionError(f"terminal closed before {wanted!r}; saw {seen!r}")
            seen += chunk
    return seen


def test_exec_it_gives_an_interactive_terminal(kubelet, ns):
    pid, fd = pty.fork()
    if pid == 0:  # kubectl on a terminal of its own, as a user would run it
        os.execv(KUBECTL, [KUBECTL, "--kubeconfig", str(kubelet.apiserver.kubeconfig), "-n",
                           ns, "exec", "-it", "shell", "-c", "app", "--", "sh", "-c",
                           "PS1='exec> ' exec sh -i"])
    try:
        read_until(fd, b"exec> ")
        os.write(fd, b"hostname; tty; stty size\n")
        name = b"shell" if ISOLATED else os.uname().nodename.encode()
        seen = read_until(fd, b"exec> ")
        lines = seen.replace(b"\r", b"").split(b"\n")
        assert name in lines, seen
        assert any(line.startswith(b"/dev/pts/") for line in lines), seen
        assert any(line.count(b" ") == 1 and line.replace(b" ", b"").isdigit()
                   for line in lines), seen  # kubectl sent its terminal's size
        os.write(fd, b"exit 7\n")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 7
    finally:
        os.close(fd)
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


@pytest.mark.parametrize(("args", "message"), [
    (["shell", "-c", "nope", "--", "true"],
     "Error from server (BadRequest): container nope is not valid for pod shell\n"),
    (["ghost", "--", "true"], 'Error from server (NotFound): pods "ghost" not found\n'),
])
def test_mistakes_get_kubectls_messages(kubelet, ns, args, message):
    done = exec_kubectl(kubelet.apiserver, ns, *args)
    assert done.returncode == 1
    assert done.stderr == message


def test_a_container_that_is_not_running_is_not_found(kubelet, api, ns):
    api.create(PODS, make_pod(kubelet, "done", [busybox("exit 0")], restartPolicy="Never"),
               namespace=ns)
    wait_until(lambda: (api.get(PODS, "done", namespace=ns).get("status") or {}).get(
        "phase") == "Succeeded", what="pod done Succeeded")
    done = exec_kubectl(kubelet.apiserver, ns, "done", "--", "true")
    assert (done.returncode, done.stderr) == (
        1, "error: cannot exec into a container in a completed pod; current phase is "
           "Succeeded\n")
    # A pod still running whose container is not (here: waiting on an image that does
    # not exist) is refused by the kubelet, through the stream.
    api.create(PODS, make_pod(kubelet, "waiting", [{"name": "app", "image": "no-such:1"}]),
               namespace=ns)
    wait_until(lambda: (api.get(PODS, "waiting", namespace=ns).get("status") or {}).get(
        "containerStatuses"), what="waiting's status")
    done = exec_kubectl(kubelet.apiserver, ns, "waiting", "--", "true")
    assert (done.returncode, done.stderr) == (
        1, 'error: Internal error occurred: unable to upgrade connection: container not '
           'found ("app")\n')
    assert "Traceback" not in kubelet.log()


def test_a_missing_command_is_reported_with_runcs_words(kubelet, ns):
    done = exec_kubectl(kubelet.apiserver, ns, "shell", "-c", "app", "--", "no-such-tool")
    assert done.returncode == 1
    assert 'exec: "no-such-tool": executable file not found in $PATH' in done.stderr
    assert done.stderr.startswith("error: Internal error occurred: error executing command "
                                  "in container")


def test_the_official_python_client_streams_over_v4(kubelet, ns):
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config
    from kubernetes.stream import stream

    core = k8s.CoreV1Api(k8s_config.new_client_from_config(str(kubelet.apiserver.kubeconfig)))
    out = stream(core.connect_get_namespaced_pod_exec, "shell", ns, container="app",
                 command=["sh", "-c", "echo $GREETING"], stderr=True, stdin=False,
                 stdout=True, tty=False)
    assert out == "hello\n"
    session = stream(core.connect_get_namespaced_pod_exec, "shell", ns, container="app",
                     command=["sh", "-c", "exit 5"], stderr=True, stdin=False, stdout=True,
                     tty=False, _preload_content=False)
    session.run_forever(timeout=TIMEOUT)
    assert session.returncode == 5
