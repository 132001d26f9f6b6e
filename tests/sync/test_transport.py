"""The transport's safety settings against a real server: TLS always verified, a custom CA bundle, a proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from checkpoint.clock import SystemClock
from sync.client import ClientSettings, SyncClient
from sync.errors import Unreachable
from sync.server.serve import ServerThread, open_app
from tests.sync.conftest import RunningServer
from tests.sync.helpers import FaultProxy


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "checkpoint test server")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ServerThread, Path]]:
    cert, key = self_signed(tmp_path)
    app, storage = open_app(tmp_path / "server")
    thread = ServerThread(app, tls_cert=cert, tls_key=key)
    yield thread, cert
    thread.stop()
    storage.close()


def client(settings: ClientSettings) -> SyncClient:
    return SyncClient(settings, "ST-T", Ed25519PrivateKey.generate(), SystemClock())


def test_tls_is_verified_and_an_untrusted_certificate_refused(tls_server: tuple[ServerThread, Path]):
    thread, _ = tls_server
    with pytest.raises(Unreachable, match="not trusted"):
        client(ClientSettings(thread.url, timeout=5)).server_time()


def test_a_custom_ca_bundle_is_trusted(tls_server: tuple[ServerThread, Path]):
    thread, cert = tls_server
    t = client(ClientSettings(thread.url, timeout=5, ca_bundle=cert)).server_time()
    assert abs((t - datetime.now(UTC)).total_seconds()) < 60


def test_requests_go_through_the_configured_proxy(server: RunningServer):
    proxy = FaultProxy(server.port)
    c = client(ClientSettings(server.url, timeout=5, proxy=proxy.url))
    c.server_time()
    c.enroll(server.token())
    assert c.cursor().acknowledged_seq == 0
    assert proxy.counts == {"pass": 3}
    proxy.close()


def test_the_configured_proxy_and_ca_bundle_beat_the_environment(server: RunningServer, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch):
    proxy = FaultProxy(server.port)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "nowhere.pem"))
    c = client(ClientSettings(server.url, timeout=5, proxy=proxy.url))
    c.server_time()
    assert proxy.counts == {"pass": 1}
    assert c.verify is True
    proxy.close()
