"""The Debian Prometheus programs for tests: found, or the test is skipped with the reason
(on CI, where ``.ci/setup`` installs them, a missing program fails instead)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

import pytest

from observe.monitoring import binaries


def require(tool: binaries.Tool) -> str:
    found = binaries.find(tool)
    if found is None:
        message = f"{tool.name} is not installed (Debian package {tool.package})"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/setup should have installed it")
        pytest.skip(message)
    return found


def run(argv: Sequence[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                          check=False)


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, (
        f"{' '.join(result.args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
