"""Kubeconfig loading and writing: what kubectl users put in those files."""

from __future__ import annotations

import base64
import os
import stat

import pytest
import yaml

from observe.client.config import (
    ClientConfig,
    ConfigError,
    default_kubeconfig_path,
    load_kubeconfig,
    write_kubeconfig,
)


def _kubeconfig(tmp_path, doc) -> str:
    path = tmp_path / "kube" / "config"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def _doc(**overrides):
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "dev", "cluster": {"server": "https://dev.example:6443/",
                                        "certificate-authority": "ca.pem"}},
            {"name": "prod", "cluster": {
                "server": "https://prod.example:6443",
                "certificate-authority-data": base64.b64encode(b"PROD CA").decode(),
                "insecure-skip-tls-verify": True}},
        ],
        "users": [
            {"name": "alice", "user": {"token": "t-alice",
                                       "client-certificate": "certs/alice.crt",
                                       "client-key": "/abs/alice.key"}},
            {"name": "bob", "user": {
                "client-certificate-data": base64.b64encode(b"BOB CERT").decode(),
                "client-key-data": base64.b64encode(b"BOB KEY").decode()}},
            {"name": "carol", "user": {"tokenFile": "token"}},
        ],
        "contexts": [
            {"name": "dev-alice", "context": {"cluster": "dev", "user": "alice",
                                              "namespace": "team-a"}},
            {"name": "prod-bob", "context": {"cluster": "prod", "user": "bob"}},
            {"name": "dev-carol", "context": {"cluster": "dev", "user": "carol"}},
            {"name": "dev-anon", "context": {"cluster": "dev"}},
            {"name": "broken", "context": {"cluster": "nowhere", "user": "alice"}},
        ],
        "current-context": "dev-alice",
    }
    doc.update(overrides)
    return doc


def test_current_context_resolves_relative_files_against_the_kubeconfig_dir(tmp_path):
    path = _kubeconfig(tmp_path, _doc())
    base = os.path.dirname(path)

    config = load_kubeconfig(path)

    assert config == ClientConfig(
        server="https://dev.example:6443",
        token="t-alice",
        ca_file=os.path.join(base, "ca.pem"),
        client_cert_file=os.path.join(base, "certs", "alice.crt"),
        client_key_file="/abs/alice.key",
        namespace="team-a",
    )


def test_named_context_decodes_base64_data_fields(tmp_path):
    config = load_kubeconfig(_kubeconfig(tmp_path, _doc()), context="prod-bob")

    assert config.server == "https://prod.example:6443"
    assert config.ca_data == b"PROD CA"
    assert config.client_cert_data == b"BOB CERT"
    assert config.client_key_data == b"BOB KEY"
    assert config.insecure_skip_tls_verify is True
    assert config.namespace == "default", "a context without namespace means default"
    assert config.token is None


def test_token_file_is_read_relative_to_the_kubeconfig(tmp_path):
    path = _kubeconfig(tmp_path, _doc())
    (tmp_path / "kube" / "token").write_text("from-file\n")

    assert load_kubeconfig(path, context="dev-carol").token == "from-file"


def test_context_without_user_is_anonymous(tmp_path):
    config = load_kubeconfig(_kubeconfig(tmp_path, _doc()), context="dev-anon")
    assert config.token is None and config.client_cert_file is None


@pytest.mark.parametrize(
    ("doc", "context", "message"),
    [
        (_doc(), "missing", "context 'missing' not found"),
        (_doc(), "broken", "cluster 'nowhere' not found"),
        (_doc(**{"current-context": ""}), None, "no current-context"),
        (_doc(clusters=[{"name": "dev", "cluster": {}}]), None, "has no server"),
        (_doc(clusters=[{"name": "dev", "cluster": {
            "server": "https://x", "certificate-authority-data": "not base64!"}}]),
         None, "not valid base64"),
        ("just a string", None, "not a mapping"),
    ],
    ids=["unknown-context", "unknown-cluster", "no-current-context", "no-server",
         "bad-base64", "not-a-mapping"],
)
def test_unusable_kubeconfig_raises_config_error(tmp_path, doc, context, message):
    path = _kubeconfig(tmp_path, doc)
    with pytest.raises(ConfigError, match=message):
        load_kubeconfig(path, context=context)


def test_missing_or_malformed_file_raises_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read kubeconfig"):
        load_kubeconfig(str(tmp_path / "absent"))
    bad = tmp_path / "bad"
    bad.write_text("clusters: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_kubeconfig(str(bad))


def test_written_kubeconfig_loads_back_and_is_private(tmp_path):
    path = tmp_path / "data" / "kubeconfig"

    write_kubeconfig(str(path), "http://127.0.0.1:8080", namespace="apps")

    config = load_kubeconfig(str(path))
    assert config == ClientConfig(server="http://127.0.0.1:8080", namespace="apps")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = yaml.safe_load(path.read_text())
    assert doc["kind"] == "Config" and doc["current-context"] == "observe"
    assert os.listdir(path.parent) == ["kubeconfig"], "no temporary file may be left behind"


def test_write_kubeconfig_replaces_an_existing_file(tmp_path):
    path = tmp_path / "kubeconfig"
    write_kubeconfig(str(path), "http://127.0.0.1:1")
    write_kubeconfig(str(path), "http://127.0.0.1:2")
    assert load_kubeconfig(str(path)).server == "http://127.0.0.1:2"


@pytest.mark.parametrize(
    ("environ", "explicit", "want"),
    [
        ({"HOME": "/home/u"}, None, "/home/u/.kube/config"),
        ({"HOME": "/home/u", "KUBECONFIG": "/k/a"}, None, "/k/a"),
        ({"HOME": "/home/u", "KUBECONFIG": f"{os.pathsep}/k/a{os.pathsep}/k/b"}, None, "/k/a"),
        ({"HOME": "/home/u", "KUBECONFIG": ""}, None, "/home/u/.kube/config"),
        ({"HOME": "/home/u", "KUBECONFIG": "/k/a"}, "/flag", "/flag"),
    ],
    ids=["home", "env", "env-list-first", "env-empty", "flag-wins"],
)
def test_default_kubeconfig_path(environ, explicit, want):
    assert default_kubeconfig_path(environ, explicit) == want


def test_server_trailing_slash_is_dropped():
    assert ClientConfig(server="http://h:1/").server == "http://h:1"
