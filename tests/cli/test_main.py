"""Command-line handling: global flags, kubeconfig, usage errors, connection errors."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from observe.cli.main import load_config, main
from observe.client.config import write_kubeconfig
from tests.cli.scripted import ScriptedApi, run_cli


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(argv: list[str], environ: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, environ=environ, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_connection_refused_is_worded_like_kubectl() -> None:
    port = _closed_port()
    code, out, err = _run(["--server", f"http://127.0.0.1:{port}", "get", "pods"],
                          {"HOME": "/nonexistent"})
    assert (code, out) == (1, "")
    assert err == (f"The connection to the server 127.0.0.1:{port} was refused - did you "
                   "specify the right host or port?\n")


def test_version_prints_the_client_before_failing_on_the_server() -> None:
    port = _closed_port()
    code, out, err = _run(["version", "--server", f"http://127.0.0.1:{port}"],
                          {"HOME": "/nonexistent"})
    assert code == 1
    assert out.startswith("Client Version: v1.")
    assert "was refused" in err


def test_version_client_only_needs_no_server() -> None:
    code, out, _ = _run(["version", "--client", "-o", "json"], {"HOME": "/nonexistent"})
    assert code == 0
    assert '"clientVersion"' in out and "serverVersion" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frobnicate"], 'error: unknown command "frobnicate" for "observe"\n'),
        (["get", "pods", "--bogus"],
         "error: unknown flag: --bogus\nSee 'observe get --help' for usage.\n"),
        (["delete", "x", "--wait=maybe"], "error: argument --wait: invalid choice"),
        (["rollout", "status"], "error: the following arguments are required"),
        (["get", "pods", "--request-timeout", "soon"],
         "error: argument --request-timeout: invalid duration 'soon'"),
    ],
)
def test_usage_errors_exit_1_with_kubectl_like_messages(argv: list[str], message: str) -> None:
    result = run_cli(ScriptedApi().serve_discovery(), *argv)
    assert result.code == 1
    assert result.err.startswith(message)


def test_global_flags_work_before_and_after_the_verb() -> None:
    api = ScriptedApi().serve_discovery()
    api.on("GET", "/api/v1/namespaces/team/pods", {"kind": "PodList", "items": []})
    assert run_cli(api, "-n", "team", "get", "pods").err == \
        "No resources found in team namespace.\n"
    assert run_cli(api, "get", "pods", "--namespace=team").err == \
        "No resources found in team namespace.\n"


def test_no_verb_prints_help() -> None:
    out = io.StringIO()
    assert main([], environ={}, stdout=out, stderr=io.StringIO()) == 0
    assert "api-resources" in out.getvalue()


def _args(**values: object):
    import argparse

    base = {"kubeconfig": None, "context": None, "server": None}
    return argparse.Namespace(**{**base, **values})


def test_config_from_kubeconfig_env_and_flags(tmp_path: Path) -> None:
    path = tmp_path / "config"
    write_kubeconfig(str(path), "http://127.0.0.1:7000", namespace="team")
    from_env = load_config(_args(), {"KUBECONFIG": str(path)})
    assert (from_env.server, from_env.namespace) == ("http://127.0.0.1:7000", "team")
    overridden = load_config(_args(kubeconfig=str(path), server="http://10.0.0.1:1"), {})
    assert (overridden.server, overridden.namespace) == ("http://10.0.0.1:1", "team")


def test_missing_kubeconfig_is_an_error_only_when_named_by_flag(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope")
    assert load_config(_args(), {"KUBECONFIG": missing}).server == "http://localhost:8080"
    assert load_config(_args(server="http://x:1"), {"HOME": str(tmp_path)}).server == \
        "http://x:1"
    code, _, err = _run(["--kubeconfig", missing, "get", "pods"], {})
    assert (code, err) == (1, f"error: stat {missing}: no such file or directory\n")


def test_unknown_context_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config"
    write_kubeconfig(str(path), "http://127.0.0.1:7000")
    code, _, err = _run(["--kubeconfig", str(path), "--context", "other", "get", "pods"], {})
    assert code == 1
    assert err.startswith("error: ") and "other" in err
