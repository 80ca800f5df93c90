"""state.json and the supervisor lock."""

from __future__ import annotations

import os

import pytest

from observe.supervisor import state
from observe.supervisor.layout import ClusterLayout, default_data_dir, tail


def test_state_round_trip_and_foreign_files(tmp_path):
    path = tmp_path / "state.json"
    assert state.read_state(path) is None
    doc = {"version": state.VERSION, "components": {"apiserver": {"pid": 1}}}
    state.write_state(path, doc)
    assert state.read_state(path) == doc
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"], "temporary file left"
    for text in ("{", "[]", '{"version": 99}'):
        path.write_text(text)
        assert state.read_state(path) is None, text


def test_lock_tells_whether_a_supervisor_runs(tmp_path):
    path = tmp_path / "supervisor.lock"
    assert not state.is_locked(path)
    fd = state.acquire_lock(path)
    try:
        assert state.is_locked(path)
        assert state.lock_owner(path) == os.getpid()
        with pytest.raises(state.LockHeld):
            state.acquire_lock(path, wait=0.1)
    finally:
        os.close(fd)
    assert not state.is_locked(path), "a released lock still reads as held"


@pytest.mark.parametrize(("environ", "want"), [
    ({"XDG_STATE_HOME": "/xdg", "HOME": "/home/u"}, "/xdg/observe"),
    ({"XDG_STATE_HOME": "relative", "HOME": "/home/u"}, "/home/u/.local/state/observe"),
    ({"XDG_STATE_HOME": "", "HOME": "/home/u"}, "/home/u/.local/state/observe"),
    ({"HOME": "/home/u"}, "/home/u/.local/state/observe"),
])
def test_default_data_dir(environ, want):
    assert str(default_data_dir(environ)) == want


def test_layout_is_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    layout = ClusterLayout.at("d")
    assert layout.data_dir == tmp_path / "d"
    assert layout.log_file("kubelet-node-1") == tmp_path / "d/logs/kubelet-node-1.log"
    assert layout.node_dir("node-1") == tmp_path / "d/nodes/node-1"


def test_tail(tmp_path):
    path = tmp_path / "x.log"
    assert tail(path) == ""
    path.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail(path, 3) == "line 97\nline 98\nline 99"
