"""Access control of the real binary: safe defaults at start, bearer tokens on every route."""
import subprocess
import time
import uuid

import jwt
import requests

from conftest import BINARY, ROOT

SECRET = "e2e-access-secret-" + "x" * 32


def token(scope: str, patient: str | None = None, expires_in: int = 600, secret: str = SECRET) -> dict:
    claims = {"sub": "e2e-user", "exp": int(time.time()) + expires_in, "scope": scope}
    if patient:
        claims["patient"] = patient
    return {"Authorization": "Bearer " + jwt.encode(claims, secret, algorithm="HS256")}


def test_a_public_address_without_auth_refuses_to_start(workspace):
    for extra in ([], ["--insecure-no-auth"]):
        result = subprocess.run([str(BINARY), "serve", "--host", "0.0.0.0", "--data-dir", str(workspace / "refused"), *extra],
                                cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode != 0
        assert "refusing to serve 0.0.0.0 without authentication" in result.stderr


def test_bearer_tokens_guard_every_route(start_vesta):
    vesta = start_vesta("access", "--jwt-hs256-secret", SECRET)
    base = vesta.base
    assert requests.get(f"{base}/metadata", timeout=10).status_code == 200
    smart = requests.get(f"http://127.0.0.1:{vesta.port}/.well-known/smart-configuration", timeout=10)
    assert smart.status_code == 200 and "permission-v2" in smart.json()["capabilities"]

    missing = requests.get(f"{base}/Patient", timeout=10)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.json()["resourceType"] == "OperationOutcome"
    forged = requests.get(f"{base}/Patient", headers=token("system/*.*", secret="y" * 40), timeout=10)
    assert forged.status_code == 401

    admin = token("system/*.*")
    patients = [f"p-{uuid.uuid4()}" for _ in range(2)]
    for patient in patients:
        put = requests.put(f"{base}/Patient/{patient}", json={"resourceType": "Patient", "id": patient}, headers=admin, timeout=10)
        assert put.status_code == 201, put.text
        observation = {"resourceType": "Observation", "status": "final", "code": {"text": "pulse"},
                       "subject": {"reference": f"Patient/{patient}"}}
        assert requests.post(f"{base}/Observation", json=observation, headers=admin, timeout=10).status_code == 201

    mine = token("patient/*.read", patient=patients[0])
    found = requests.get(f"{base}/Observation", headers=mine, timeout=10).json()
    subjects = {entry["resource"]["subject"]["reference"] for entry in found.get("entry", [])}
    assert subjects == {f"Patient/{patients[0]}"}
    assert requests.get(f"{base}/Patient/{patients[1]}", headers=mine, timeout=10).status_code == 403
    assert requests.post(f"{base}/Observation", json={"resourceType": "Observation"}, headers=mine, timeout=10).status_code == 403
