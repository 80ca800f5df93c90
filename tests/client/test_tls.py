"""TLS from a ClientConfig: server verification and client certificates, against a real
mutual-TLS server with certificates made by the openssl command."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from observe.client.config import ClientConfig, ConfigError
from observe.client.errors import ConnectionFailed
from observe.client.rest import ApiClient
from observe.client.tls import ssl_context
from observe.testing import free_port

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _signed(cwd: Path, name: str, subject: str, extensions: str) -> None:
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
             "-out", f"{name}.csr", "-subj", subject, cwd=cwd)
    (cwd / f"{name}.ext").write_text(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-out", f"{name}.crt",
             "-extfile", f"{name}.ext", cwd=cwd)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
             "-out", "ca.crt", "-days", "2", "-subj", "/CN=observe-test-ca", cwd=d)
    _signed(d, "server", "/CN=apiserver", "subjectAltName=IP:127.0.0.1\n")
    _signed(d, "alice", "/CN=alice", "extendedKeyUsage=clientAuth\n")
    return d


@pytest.fixture
async def mtls_server(pki) -> AsyncIterator[str]:
    """An https server that demands a client certificate and echoes its common name."""
    async def whoami(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peercert")
        subject = dict(item[0] for item in peer["subject"])
        return web.json_response({"user": subject["commonName"]})

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki / "server.crt", pki / "server.key")
    ctx.load_verify_locations(pki / "ca.crt")
    ctx.verify_mode = ssl.CERT_REQUIRED
    app = web.Application()
    app.router.add_get("/whoami", whoami)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=ctx).start()
    yield f"https://127.0.0.1:{port}"
    await runner.cleanup()


def _configs(pki: Path, server: str) -> dict[str, ClientConfig]:
    def read(name: str) -> bytes:
        return (pki / name).read_bytes()

    return {
        "inline-data": ClientConfig(server=server, ca_data=read("ca.crt"),
                                    client_cert_data=read("alice.crt"),
                                    client_key_data=read("alice.key")),
        "files": ClientConfig(server=server, ca_file=str(pki / "ca.crt"),
                              client_cert_file=str(pki / "alice.crt"),
                              client_key_file=str(pki / "alice.key")),
        "insecure": ClientConfig(server=server, insecure_skip_tls_verify=True,
                                 client_cert_file=str(pki / "alice.crt"),
                                 client_key_file=str(pki / "alice.key")),
    }


@pytest.mark.parametrize("variant", ["inline-data", "files", "insecure"])
async def test_mutual_tls_presents_the_client_certificate(pki, mtls_server, variant):
    async with ApiClient(_configs(pki, mtls_server)[variant], timeout=10) as api:
        resp = await api.request("GET", "/whoami")
    assert resp.json() == {"user": "alice"}


async def test_server_signed_by_an_unknown_ca_is_refused(pki, mtls_server):
    config = ClientConfig(server=mtls_server, client_cert_file=str(pki / "alice.crt"),
                          client_key_file=str(pki / "alice.key"))
    async with ApiClient(config, timeout=10) as api:
        with pytest.raises(ConnectionFailed, match=r"(?i)certificate"):
            await api.request("GET", "/whoami")


def test_plain_http_needs_no_tls_context():
    assert ssl_context(ClientConfig(server="http://127.0.0.1:1")) is None


@pytest.mark.parametrize(
    "config",
    [ClientConfig(server="https://h", ca_data=b"not a certificate"),
     ClientConfig(server="https://h", ca_file="/nonexistent/ca.crt"),
     ClientConfig(server="https://h", client_cert_data=b"junk", client_key_data=b"junk")],
    ids=["bad-ca-data", "missing-ca-file", "bad-client-cert"],
)
def test_unusable_tls_material_is_a_config_error(config):
    with pytest.raises(ConfigError, match="cannot set up TLS"):
        ssl_context(config)
