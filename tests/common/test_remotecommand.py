"""The channel.k8s.io protocol's pure pieces: negotiation, frames, the outcome on the error
channel per protocol version, resize messages and the exec options on both legs."""

from __future__ import annotations

import json

import pytest
from multidict import MultiDict

from observe.common import remotecommand as rc


@pytest.mark.parametrize(("headers", "want"), [
    (["v5.channel.k8s.io, v4.channel.k8s.io"], rc.V5),   # kubectl 1.32
    (["v4.channel.k8s.io"], rc.V4),                       # the Python client
    (["base64.channel.k8s.io", "v3.channel.k8s.io"], rc.V3),
    (["channel.k8s.io"], rc.V1),
])
def test_negotiate_takes_the_clients_first_supported_protocol(headers, want):
    assert rc.negotiate(rc.offered(headers)) == want


@pytest.mark.parametrize("headers", [[], ["base64.channel.k8s.io"], ["v6.channel.k8s.io"]])
def test_negotiate_refuses_what_it_does_not_speak(headers):
    with pytest.raises(rc.ProtocolError, match="not supported"):
        rc.negotiate(rc.offered(headers))


@pytest.mark.parametrize(("channel", "data"), [(0, b"hi"), (3, b""), (255, b"\x00")])
def test_frames_round_trip(channel, data):
    assert rc.split_frame(rc.frame(channel, data)) == (channel, data)


def test_an_empty_frame_is_a_protocol_error():
    with pytest.raises(rc.ProtocolError):
        rc.split_frame(b"")


@pytest.mark.parametrize(("protocol", "status", "want"), [
    (rc.V5, rc.success_status(), {"metadata": {}, "status": "Success"}),
    (rc.V4, rc.exit_status(["sh", "-c", "exit 3"], 3), {
        "metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
        "message": "command terminated with non-zero exit code: command 'sh -c exit 3' "
                   "exited with 3",
        "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}),
    (rc.V4, rc.internal_error_status("boom"), {
        "metadata": {}, "status": "Failure", "reason": "InternalError", "code": 500,
        "message": "Internal error occurred: boom", "details": {"causes": [{"message": "boom"}]}}),
])
def test_v4_and_later_report_a_status(protocol, status, want):
    message = rc.error_frame(protocol, status)
    assert message is not None and message[0] == rc.ERROR
    assert json.loads(message[1:]) == want


@pytest.mark.parametrize(("status", "want"), [
    (rc.success_status(), None),
    (rc.internal_error_status("boom"), b"\x03Internal error occurred: boom"),
])
def test_before_v4_the_error_channel_carries_text(status, want):
    assert rc.error_frame(rc.V2, status) == want


@pytest.mark.parametrize(("chunks", "want"), [
    ([b'{"Width":80,"Height":24}'], [[(80, 24)]]),
    ([b'{"Width":80,"Height":24}\n{"Width":100,"Height":30}\n'], [[(80, 24), (100, 30)]]),
    ([b'{"Width":1', b'20,"Height":40}'], [[], [(120, 40)]]),
    ([b'{"Width":"wide","Height":1}', b'{"Width":-1,"Height":1}', b"[1,2]"], [[], [], []]),
])
def test_resize_messages_may_be_split_or_packed(chunks, want):
    decoder = rc.ResizeDecoder()
    assert [decoder.feed(chunk) for chunk in chunks] == want


def test_resize_garbage_is_refused_rather_than_buffered_forever():
    decoder = rc.ResizeDecoder()
    with pytest.raises(rc.ProtocolError):
        decoder.feed(b"{" + b"x" * 5000)


@pytest.mark.parametrize(("query", "want"), [
    ([("command", "ls"), ("command", "-l"), ("stdout", "true"), ("stderr", "1")],
     rc.ExecOptions(("ls", "-l"), stdout=True, stderr=True)),
    ([("command", "sh"), ("stdin", "True"), ("tty", "t"), ("stdout", "false")],
     rc.ExecOptions(("sh",), stdin=True, tty=True)),
    ([("command", "x"), ("stdout", "")], rc.ExecOptions(("x",))),
])
def test_pod_exec_options_read_flags_as_go_does(query, want):
    assert rc.ExecOptions.from_pod_exec_options(MultiDict(query)) == want


def test_pod_exec_options_refuse_a_flag_go_cannot_parse():
    with pytest.raises(rc.ProtocolError, match=r'stdin: strconv\.ParseBool: parsing "yes"'):
        rc.ExecOptions.from_pod_exec_options(MultiDict([("stdin", "yes")]))


@pytest.mark.parametrize("options", [
    rc.ExecOptions(("ls", "-l"), stdout=True, stderr=True),
    rc.ExecOptions(("sh",), stdin=True, stdout=True, tty=True),
    rc.ExecOptions(("cat",), stdin=True),
])
def test_the_kubelet_reads_what_the_apiserver_sends(options):
    assert rc.ExecOptions.from_kubelet_query(MultiDict(options.kubelet_query())) == options


@pytest.mark.parametrize(("query", "want"), [
    ([("command", "sh"), ("output", "1"), ("error", "1"), ("tty", "1")],
     rc.ExecOptions(("sh",), stdout=True, tty=True)),   # a terminal has no stderr
    ([("command", "ls"), ("output", "true")], "you must specify at least 1 of stdin"),
    ([("output", "1")], "you must specify at least 1 command"),
])
def test_kubelet_query(query, want):
    if isinstance(want, str):
        with pytest.raises(rc.ProtocolError, match=want):
            rc.ExecOptions.from_kubelet_query(MultiDict(query))
    else:
        assert rc.ExecOptions.from_kubelet_query(MultiDict(query)) == want
