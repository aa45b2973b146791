"""Starts the real `vesta` binary (embedded PostgreSQL in a temporary data directory) for the
end-to-end tests, and stops it with SIGTERM as an operator would."""
import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("VESTA_BINARY", ROOT / ".build" / "debug" / "vesta"))
# The PostgreSQL server binaries (scripts/setup.sh installs Debian's postgresql package).
POSTGRES_BIN = next((str(path) for path in sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VestaProcess:
    """One `vesta serve` process on a free loopback port."""

    def __init__(self, data_dir: pathlib.Path, extra_args: tuple = (), https: dict | None = None):
        """`https`: the server runs TLS (its flags are in `extra_args`); the `requests` keyword
        arguments (`verify`, `cert`) the readiness probe connects with."""
        self.data_dir = data_dir
        self.port = free_port()
        scheme = "http" if https is None else "https"
        self.base = f"{scheme}://127.0.0.1:{self.port}/fhir"
        self.log = open(data_dir.parent / f"vesta-{self.port}.log", "wb")
        self.process = subprocess.Popen(
            [str(BINARY), "serve", "--port", str(self.port), "--data-dir", str(data_dir), "--log-level", "warning", *extra_args],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"vesta exited with {self.process.returncode}: {self.read_log()}")
            try:
                if requests.get(f"{scheme}://127.0.0.1:{self.port}/readyz", timeout=1, **(https or {})).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.process.kill()
        raise RuntimeError(f"vesta did not become ready: {self.read_log()}")

    def read_log(self) -> str:
        self.log.flush()
        return (self.data_dir.parent / f"vesta-{self.port}.log").read_text(errors="replace")

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM, then wait for a clean exit; returns the exit status."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self.log.close()
        return code

    def power_cut(self) -> None:
        """SIGKILL the server, and stop its embedded PostgreSQL as a power cut would
        (`pg_ctl stop -m immediate`: no checkpoint, crash recovery on the next start)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()
        stop = [str(pathlib.Path(POSTGRES_BIN) / "pg_ctl"), "stop", "-D", str(self.data_dir / "postgres"), "-m", "immediate"]
        if os.geteuid() == 0:
            stop = ["runuser", "-u", "postgres", "--", *stop]
        subprocess.run(stop, check=True, capture_output=True, timeout=60)

    @property
    def postgres_running(self) -> bool:
        return (self.data_dir / "postgres" / "postmaster.pid").exists()


@pytest.fixture(scope="session")
def workspace():
    with tempfile.TemporaryDirectory(prefix="vesta-e2e-") as directory:
        path = pathlib.Path(directory)
        path.chmod(0o755)  # the cluster may run as the postgres user, which must enter it
        yield path


@pytest.fixture(scope="session")
def server(workspace):
    vesta = VestaProcess(workspace / "shared-data")
    yield vesta
    if vesta.process.poll() is None:
        assert vesta.terminate() == 0


@pytest.fixture
def start_vesta(workspace):
    """Starts servers on demand; any still running at the end are stopped."""
    started = []

    def start(name: str, *extra_args: str, https: dict | None = None) -> VestaProcess:
        vesta = VestaProcess(workspace / name, extra_args, https)
        started.append(vesta)
        return vesta

    yield start
    for vesta in started:
        if vesta.process.poll() is None:
            vesta.terminate()
