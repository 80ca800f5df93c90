"""Where a client finds the apiserver and how it proves who it is: kubeconfig files.

The entry point (CLI, controller manager, exporters) picks the kubeconfig path with
:func:`default_kubeconfig_path`, loads it once with :func:`load_kubeconfig` and passes the
resulting :class:`ClientConfig` down to :class:`observe.client.rest.ApiClient` or
:class:`observe.client.sync.SyncClient`; nothing below the entry point reads files or the
environment. ``observe up`` writes the cluster's kubeconfig with :func:`write_kubeconfig`.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from observe import __version__

DEFAULT_USER_AGENT = f"observe/{__version__}"
CONTEXT_NAME = "observe"


class ConfigError(ValueError):
    """The kubeconfig cannot be read or does not describe a usable cluster and user."""


@dataclass(frozen=True)
class ClientConfig:
    """Everything needed to reach one apiserver as one user."""

    server: str
    """Base URL of the apiserver, e.g. ``https://127.0.0.1:6443`` (no trailing path)."""

    token: str | None = None
    """Bearer token sent as ``Authorization: Bearer <token>``."""

    ca_file: str | None = None
    """PEM file of the CA(s) that sign the server certificate."""

    ca_data: bytes | None = None
    """The same as ``ca_file`` but inline (PEM bytes); used in addition to it."""

    client_cert_file: str | None = None
    """PEM client certificate for mutual TLS."""

    client_key_file: str | None = None
    """PEM private key of ``client_cert_file``."""

    client_cert_data: bytes | None = None
    """Inline client certificate (PEM bytes); wins over ``client_cert_file``."""

    client_key_data: bytes | None = None
    """Inline client key (PEM bytes); wins over ``client_key_file``."""

    insecure_skip_tls_verify: bool = False
    """Accept any server certificate (only for throwaway clusters)."""

    namespace: str = "default"
    """The namespace of the selected context: what the CLI uses when none is given."""

    user_agent: str = DEFAULT_USER_AGENT
    """Sent as ``User-Agent``; kube-apiserver logs and metrics group requests by it."""

    def __post_init__(self) -> None:
        # A trailing slash would turn every path into ``//api/...``.
        object.__setattr__(self, "server", self.server.rstrip("/"))


def default_kubeconfig_path(environ: Mapping[str, str], explicit: str | None = None) -> str:
    """The kubeconfig kubectl would read: ``--kubeconfig``, else the first entry of
    ``$KUBECONFIG``, else ``~/.kube/config``.

    kubectl merges every file listed in ``$KUBECONFIG``; observe reads only the first, which
    is the one whose values win in that merge.
    """
    if explicit:
        return explicit
    for entry in environ.get("KUBECONFIG", "").split(os.pathsep):
        if entry:
            return entry
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".kube", "config")


def load_kubeconfig(path: str, context: str | None = None) -> ClientConfig:
    """Read the kubeconfig at ``path`` and return the config of ``context`` (default: its
    ``current-context``). Relative file paths inside are relative to the file's directory."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise ConfigError(f"cannot read kubeconfig {path}: {e.strerror or e}") from e
    except yaml.YAMLError as e:
        raise ConfigError(f"kubeconfig {path} is not valid YAML: {e}") from e
    if not isinstance(doc, dict):
        raise ConfigError(f"kubeconfig {path} is empty or not a mapping")
    return config_from_kubeconfig(doc, os.path.dirname(os.path.abspath(path)), context)


def config_from_kubeconfig(
    doc: Mapping[str, Any], base_dir: str, context: str | None = None
) -> ClientConfig:
    """:func:`load_kubeconfig` on an already parsed document."""
    context_name = context or doc.get("current-context")
    if not context_name:
        raise ConfigError("kubeconfig has no current-context and no context was given")
    ctx = _named(doc, "contexts", "context", context_name)
    cluster = _named(doc, "clusters", "cluster", ctx.get("cluster"))
    user = _named(doc, "users", "user", ctx["user"]) if ctx.get("user") else {}
    server = cluster.get("server")
    if not server:
        raise ConfigError(f"cluster {ctx.get('cluster')!r} has no server")

    def file_field(section: Mapping[str, Any], key: str) -> str | None:
        value = section.get(key)
        return os.path.join(base_dir, os.path.expanduser(value)) if value else None

    token = user.get("token")
    token_file = file_field(user, "tokenFile")
    if not token and token_file:
        try:
            with open(token_file, encoding="utf-8") as f:
                token = f.read().strip()
        except OSError as e:
            raise ConfigError(f"cannot read tokenFile {token_file}: {e.strerror or e}") from e

    return ClientConfig(
        server=str(server),
        token=token or None,
        ca_file=file_field(cluster, "certificate-authority"),
        ca_data=_base64_field(cluster, "certificate-authority-data"),
        client_cert_file=file_field(user, "client-certificate"),
        client_key_file=file_field(user, "client-key"),
        client_cert_data=_base64_field(user, "client-certificate-data"),
        client_key_data=_base64_field(user, "client-key-data"),
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
        namespace=ctx.get("namespace") or "default",
    )


def kubeconfig_document(server: str, namespace: str = "default") -> dict[str, Any]:
    """A one-context kubeconfig for an unauthenticated apiserver at ``server``."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT_NAME, "cluster": {"server": server}}],
        "users": [{"name": CONTEXT_NAME, "user": {}}],
        "contexts": [
            {
                "name": CONTEXT_NAME,
                "context": {"cluster": CONTEXT_NAME, "user": CONTEXT_NAME,
                            "namespace": namespace},
            }
        ],
        "current-context": CONTEXT_NAME,
        "preferences": {},
    }


def write_kubeconfig(path: str, server: str, namespace: str = "default") -> None:
    """Write a kubeconfig for ``server`` that kubectl and :func:`load_kubeconfig` accept.

    The file is replaced atomically (a reader never sees half of it) and is private to the
    user, as kubectl's own files are.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    text = yaml.safe_dump(kubeconfig_document(server, namespace), sort_keys=False)
    fd, tmp = tempfile.mkstemp(prefix=".kubeconfig-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _named(doc: Mapping[str, Any], section: str, field: str, name: Any) -> Mapping[str, Any]:
    """The ``field`` mapping of the entry called ``name`` in a kubeconfig list section."""
    for entry in doc.get(section) or []:
        if isinstance(entry, Mapping) and entry.get("name") == name:
            value = entry.get(field) or {}
            if not isinstance(value, Mapping):
                raise ConfigError(f"{section} entry {name!r} is not a mapping")
            return value
    raise ConfigError(f"{field} {name!r} not found in kubeconfig")


def _base64_field(section: Mapping[str, Any], key: str) -> bytes | None:
    value = section.get(key)
    if not value:
        return None
    try:
        # Wrapped PEM-in-base64 is common in hand-edited files; the line breaks carry nothing.
        return base64.b64decode("".join(str(value).split()), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ConfigError(f"{key} is not valid base64: {e}") from e
