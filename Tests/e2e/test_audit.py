"""The audit log through the real binary: requests leave AuditEvents that can be searched, and
`vesta audit verify` finds the hash chain intact."""
import re
import subprocess

import requests

from conftest import BINARY, ROOT, VestaProcess


def test_requests_are_audited_and_the_chain_verifies(workspace):
    data_dir = workspace / "audited"
    vesta = VestaProcess(data_dir)
    try:
        patient = {"resourceType": "Patient", "id": "audited-1", "name": [{"family": "Quixworth"}]}
        assert requests.put(f"{vesta.base}/Patient/audited-1", json=patient, timeout=30).status_code == 201
        assert requests.get(f"{vesta.base}/Patient/audited-1", headers={"User-Agent": "e2e-auditor"}, timeout=30).status_code == 200
        assert requests.get(f"{vesta.base}/Patient/missing-1", timeout=30).status_code == 404
        found = requests.get(f"{vesta.base}/AuditEvent", params={"patient": "Patient/audited-1", "_sort": "date"}, timeout=30).json()
        subtypes = [entry["resource"]["subtype"][0]["code"] for entry in found.get("entry", [])]
        assert subtypes == ["update", "read"], subtypes
        agent = found["entry"][1]["resource"]["agent"][0]
        assert agent["network"]["address"] == "127.0.0.1", agent
        assert agent["extension"][0]["valueString"] == "e2e-auditor"
        refused = requests.delete(f"{vesta.base}/AuditEvent/{found['entry'][0]['resource']['id']}", timeout=30)
        assert refused.status_code == 405
    finally:
        assert vesta.terminate() == 0

    verified = subprocess.run([str(BINARY), "audit", "verify", "--data-dir", str(data_dir), "--log-level", "error"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("audit chain intact"), verified.stdout
    records = int(re.search(r"(\d+) records? verified", verified.stdout).group(1))
    assert records >= 5, verified.stdout
