"""Encryption at rest through the real binary: start with a key-encryption key, refuse to start
without it or with another one, rotate keys online, and report what each key protects."""
import secrets
import subprocess

import requests

from conftest import BINARY, ROOT, VestaProcess


def write_key(path):
    path.write_text(secrets.token_hex(32) + "\n")
    return path


def keys_command(*arguments, data_dir, key_file):
    return subprocess.run([str(BINARY), "keys", *arguments, "--data-dir", str(data_dir), "--master-key-file", str(key_file),
                           "--log-level", "error"], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_encrypted_server_refuses_a_missing_or_wrong_key_and_rotates_online(workspace):
    data_dir = workspace / "encrypted"
    key_file = write_key(workspace / "master.key")
    vesta = VestaProcess(data_dir, ("--master-key-file", str(key_file)))
    try:
        patient = {"resourceType": "Patient", "id": "enc-1", "name": [{"family": "Quixworth", "given": ["Zebulon"]}],
                   "birthDate": "1961-04-12"}
        assert requests.put(f"{vesta.base}/Patient/enc-1", json=patient, timeout=30).status_code == 201
        found = requests.get(f"{vesta.base}/Patient", params={"family": "quix", "birthdate": "1961"}, timeout=30).json()
        assert [entry["resource"]["id"] for entry in found.get("entry", [])] == ["enc-1"]
        refused = requests.get(f"{vesta.base}/Patient", params={"name:contains": "worth"}, timeout=30)
        assert refused.status_code == 400 and "encrypted" in refused.text
    finally:
        assert vesta.terminate() == 0

    for arguments, message in [((), "no key-encryption key was given"),
                               (("--master-key-file", str(write_key(workspace / "other.key"))), "not the key this database was encrypted with")]:
        try:
            VestaProcess(data_dir, arguments)
            raise AssertionError("vesta started without the right key-encryption key")
        except RuntimeError as error:
            assert message in str(error), str(error)

    rotated = keys_command("rotate", data_dir=data_dir, key_file=key_file)
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted" in rotated.stdout
    status = keys_command("status", data_dir=data_dir, key_file=key_file)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert any(line.startswith("data key 2: 0 resource versions") for line in lines), status.stdout
    assert any(line.startswith("data key 3 (active): 1 resource versions") for line in lines), status.stdout

    vesta = VestaProcess(data_dir, ("--master-key-file", str(key_file)))
    try:
        read = requests.get(f"{vesta.base}/Patient/enc-1", timeout=30).json()
        assert read["name"][0]["family"] == "Quixworth"
    finally:
        assert vesta.terminate() == 0
