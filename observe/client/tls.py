"""The TLS side of a :class:`~observe.client.config.ClientConfig`: one ``ssl.SSLContext``.

Used by :mod:`observe.client.rest` when it opens its connection pool; plain ``http://``
servers (observe's own loopback apiserver) need none.
"""

from __future__ import annotations

import os
import ssl
import tempfile

from observe.client.config import ClientConfig, ConfigError


def ssl_context(config: ClientConfig) -> ssl.SSLContext | None:
    """The context for ``config.server``, or ``None`` when the server is not ``https``."""
    if not config.server.startswith("https://"):
        return None
    try:
        ctx = ssl.create_default_context(
            cafile=config.ca_file,
            cadata=config.ca_data.decode("ascii") if config.ca_data else None,
        )
        if config.insecure_skip_tls_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        _load_client_certificate(ctx, config)
    except (OSError, ssl.SSLError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot set up TLS for {config.server}: {e}") from e
    return ctx


def _load_client_certificate(ctx: ssl.SSLContext, config: ClientConfig) -> None:
    cert, key = config.client_cert_data, config.client_key_data
    if cert is None and key is None:
        if config.client_cert_file:
            ctx.load_cert_chain(config.client_cert_file, config.client_key_file)
        return
    # The ssl module loads key material only from files, so inline data goes through a
    # private temporary file that is removed as soon as it has been read.
    with tempfile.TemporaryDirectory(prefix="observe-tls-") as tmp:
        cert_path = _write_private(tmp, "cert.pem", cert) if cert else config.client_cert_file
        key_path = _write_private(tmp, "key.pem", key) if key else config.client_key_file
        if cert_path is None:
            raise ConfigError("a client key was given without a client certificate")
        ctx.load_cert_chain(cert_path, key_path)


def _write_private(directory: str, name: str, data: bytes) -> str:
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path
