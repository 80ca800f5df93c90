"""Commands exec'd into a container: its environment and directory, combined output and
exit codes, the timeout, and (as root) the container's own hostname and mounts entered
with setns."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from observe.kubelet.runtime import namespaces
from observe.kubelet.runtime.containerexec import ExecStartError, ExecTarget, run, spawn

HOST = ExecTarget(None, {"PATH": os.environ["PATH"], "GREETING": "hello"}, "/tmp")


@pytest.mark.parametrize(("argv", "want"), [
    (["sh", "-c", 'echo "$GREETING $(pwd)"'], (0, b"hello /tmp\n")),
    (["sh", "-c", "echo out; echo err >&2; exit 3"], (3, b"out\nerr\n")),
    (["sh", "-c", "kill -9 $$"], (137, b"")),
])
async def test_run(argv, want):
    assert await run(HOST, argv, 10) == want


async def test_run_kills_a_command_past_its_timeout():
    with pytest.raises(TimeoutError):
        await run(HOST, ["sleep", "30"], 0.2)


@pytest.mark.parametrize(("argv", "detail"), [
    (["no-such-tool"], 'exec: "no-such-tool": executable file not found in $PATH'),
    (["/no/such/tool"], 'exec: "/no/such/tool": stat /no/such/tool: no such file or directory'),
])
async def test_a_command_that_cannot_start_says_so_as_runc(argv, detail):
    with pytest.raises(ExecStartError, match="unable to start container process") as caught:
        await spawn(HOST, argv, stdin=False, stdout=True, stderr=True, tty=False)
    assert detail in str(caught.value)


async def test_separate_streams_and_stdin_half_close():
    process = await spawn(HOST, ["sh", "-c", "cat; echo done >&2"], stdin=True, stdout=True,
                          stderr=True, tty=False)
    await process.write(b"abc")
    process.close_stdin()
    got = [chunk async for chunk in process.output()]
    assert (await process.wait(), sorted(got)) == (0, [(1, b"abc"), (2, b"done\n")])


async def test_a_terminal_takes_its_size_and_is_the_controlling_tty():
    # The shell waits for a last line before it exits, so the output is read while the
    # terminal is still open: what a closing terminal still had buffered is not relied on.
    process = await spawn(HOST, ["sh", "-c", "read line; stty size; echo $line >/dev/tty; "
                                 "read done"],
                          stdin=True, stdout=True, stderr=False, tty=True)
    process.resize(91, 33)
    await process.write(b"typed\n")
    output = b""
    async with asyncio.timeout(20):
        async for _, chunk in process.output():
            output += chunk
            if output.count(b"\r\n") >= 3:
                break
    await process.write(b"bye\n")
    assert await process.wait() == 0
    process.close()
    assert output.split(b"\r\n")[1:3] == [b"33 91", b"typed"]  # after the echoed input


@pytest.mark.skipif(not namespaces.supported(), reason="namespaces need root")
async def test_the_command_enters_the_containers_hostname_and_mounts(tmp_path):
    volume, mount_point = tmp_path / "volume", tmp_path / "in-container"
    volume.mkdir()
    (volume / "data").write_text("from the volume")
    setup = (f"from observe.kubelet.runtime import namespaces as n; "
             f"n.enter_pod_view('the-pod', [n.Mount({str(volume)!r}, {str(mount_point)!r})]); "
             f"import time; print('ready', flush=True); time.sleep(60)")
    container = subprocess.Popen([sys.executable, "-c", setup], stdout=subprocess.PIPE)
    try:
        assert container.stdout.readline() == b"ready\n"
        target = ExecTarget(container.pid, {"PATH": os.environ["PATH"]}, str(mount_point))
        code, output = await run(target, ["sh", "-c", "hostname; cat data"], 10)
        assert (code, output) == (0, b"the-pod\nfrom the volume")
        assert not (mount_point / "data").exists()  # the host does not see the mount
    finally:
        container.kill()
        container.wait()
