"""`vesta serve` over TLS: HTTP/2 and HTTP/1.1 by ALPN on one port, TLS 1.2 as the floor, the
websocket upgrade over TLS, and client certificates. Certificates are made here with openssl;
curl and openssl are the clients (scripts/setup.sh installs both)."""
import socket
import ssl
import subprocess

import pytest

from conftest import BINARY, ROOT, VestaProcess


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A self-signed server certificate for 127.0.0.1, a client CA, a client certificate it
    signed, and a self-signed client certificate no CA vouches for."""
    d = tmp_path_factory.mktemp("pki")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(d / "server-key.pem"), "-out", str(d / "server.pem"))
    openssl("req", "-x509", *ec, "-days", "2", "-subj", "/O=Vesta e2e/CN=Client CA", "-keyout", str(d / "ca-key.pem"), "-out", str(d / "ca.pem"))
    openssl("req", "-new", *ec, "-subj", "/O=Acme/CN=device-42", "-keyout", str(d / "client-key.pem"), "-out", str(d / "client.csr"))
    openssl("x509", "-req", "-in", str(d / "client.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca-key.pem"),
            "-CAcreateserial", "-days", "2", "-out", str(d / "client.pem"))
    openssl("req", "-x509", *ec, "-days", "2", "-subj", "/CN=rogue", "-keyout", str(d / "rogue-key.pem"), "-out", str(d / "rogue.pem"))
    return d


def curl(url: str, *args: str) -> subprocess.CompletedProcess:
    """curl printing the HTTP version it used (empty when no response came)."""
    return subprocess.run(["curl", "-k", "-s", "-o", "/dev/null", "-w", "%{http_version}", "--max-time", "20", *args, url],
                          capture_output=True, text=True, timeout=60)


def handshake(port: int, version: str, ciphers: str = "DEFAULT") -> subprocess.CompletedProcess:
    """An `openssl s_client` handshake limited to one TLS version; @SECLEVEL=0 lets the client
    offer TLS 1.1 at all, so a failure is the server's refusal."""
    return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", f"-{version}", "-cipher", f"{ciphers}:@SECLEVEL=0"],
                          input="", capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def tls_server(workspace, pki):
    vesta = VestaProcess(workspace / "tls", ("--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server-key.pem")),
                         https={"verify": str(pki / "server.pem")})
    yield vesta
    assert vesta.terminate() == 0


def test_http2_and_http11_are_served_on_one_port(tls_server):
    h2 = curl(f"{tls_server.base}/metadata", "--http2")
    assert (h2.returncode, h2.stdout) == (0, "2"), h2.stderr
    h1 = curl(f"{tls_server.base}/metadata", "--http1.1")
    assert (h1.returncode, h1.stdout) == (0, "1.1"), h1.stderr
    plain = curl(f"http://127.0.0.1:{tls_server.port}/fhir/metadata")
    assert plain.returncode != 0 and plain.stdout in ("", "0"), "plain HTTP must not be answered on the TLS port"


def test_urls_built_from_the_host_are_https(tls_server, pki):
    import requests
    created = requests.post(f"{tls_server.base}/Patient", json={"resourceType": "Patient", "gender": "female"},
                            headers={"Content-Type": "application/fhir+json"}, verify=str(pki / "server.pem"), timeout=30)
    assert created.status_code == 201, created.text
    assert created.headers["Location"].startswith(f"https://127.0.0.1:{tls_server.port}/fhir/Patient/")


def test_tls_below_1_2_and_cbc_suites_are_refused(tls_server):
    old = handshake(tls_server.port, "tls1_1")
    assert old.returncode != 0 and "Cipher is (NONE)" in old.stdout, old.stdout + old.stderr
    assert "alert protocol version" in old.stderr, old.stderr
    cbc = handshake(tls_server.port, "tls1_2", "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:AES128-SHA")
    assert cbc.returncode != 0 and "alert handshake failure" in cbc.stderr, cbc.stdout + cbc.stderr
    modern = handshake(tls_server.port, "tls1_2")
    assert "Cipher is ECDHE-" in modern.stdout and ("GCM" in modern.stdout or "CHACHA20" in modern.stdout), modern.stdout


def test_the_subscription_websocket_upgrades_over_tls(tls_server):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    with socket.create_connection(("127.0.0.1", tls_server.port), timeout=20) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"GET /fhir/$websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        answer = tls.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 101"), answer
    assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in answer, answer


def test_required_client_certificates(start_vesta, pki):
    vesta = start_vesta("mtls", "--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server-key.pem"),
                        "--tls-client-ca", str(pki / "ca.pem"), "--tls-client-auth", "required",
                        https={"verify": str(pki / "server.pem"), "cert": (str(pki / "client.pem"), str(pki / "client-key.pem"))})
    anonymous = curl(f"{vesta.base}/metadata", "--http2")
    assert anonymous.returncode != 0 and anonymous.stdout in ("", "0"), (anonymous.stdout, anonymous.stderr)
    rogue = curl(f"{vesta.base}/metadata", "--http2", "--cert", str(pki / "rogue.pem"), "--key", str(pki / "rogue-key.pem"))
    assert rogue.returncode != 0 and rogue.stdout in ("", "0"), (rogue.stdout, rogue.stderr)
    device = curl(f"{vesta.base}/metadata", "--http2", "--cert", str(pki / "client.pem"), "--key", str(pki / "client-key.pem"))
    assert (device.returncode, device.stdout) == (0, "2"), device.stderr


@pytest.mark.parametrize("args, message", [
    (["--tls-cert", "/x/cert.pem"], "--tls-cert (VESTA_TLS_CERT) and --tls-key (VESTA_TLS_KEY) go together"),
    (["--tls-client-ca", "/x/ca.pem"], "--tls-client-ca (VESTA_TLS_CLIENT_CA) needs TLS"),
    (["--tls-cert", "{pki}/server.pem", "--tls-key", "{pki}/server-key.pem", "--tls-client-auth", "required"],
     "--tls-client-auth (VESTA_TLS_CLIENT_AUTH) needs --tls-client-ca"),
    (["--tls-cert", "{pki}/server.pem", "--tls-key", "/nonexistent/key.pem"],
     "cannot read the private key (--tls-key) file /nonexistent/key.pem: no such file"),
    (["--tls-cert", "{pki}/server-key.pem", "--tls-key", "{pki}/server-key.pem"],
     "the certificate chain (--tls-cert) file {pki}/server-key.pem holds no valid PEM certificate"),
    (["--tls-cert", "{pki}/server.pem", "--tls-key", "{pki}/client-key.pem"], "cannot be used together"),
])
def test_incomplete_or_bad_tls_options_stop_the_start(pki, tmp_path, args, message):
    result = subprocess.run([str(BINARY), "serve", "--data-dir", str(tmp_path / "never"), *[a.format(pki=pki) for a in args]],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert message.format(pki=pki) in result.stderr, result.stderr
    assert not (tmp_path / "never").exists(), "no cluster may be created before the TLS options are checked"
