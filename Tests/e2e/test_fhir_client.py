"""A real FHIR client (fhirpy) against the real server over HTTP."""
import json
import uuid

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound


@pytest.fixture
def client(server):
    return SyncFHIRClient(server.base)


def test_create_read_update_patch_delete(client):
    patient = client.resource("Patient", name=[{"family": "Chalmers", "given": ["Peter"]}], gender="male",
                              birthDate="1974-12-25")
    patient.save()
    assert patient.id
    assert patient["meta"]["versionId"] == "1"

    read = client.reference("Patient", patient.id).to_resource()
    assert read["name"][0]["family"] == "Chalmers"
    assert read["birthDate"] == "1974-12-25"

    read["gender"] = "female"
    read.save()
    assert client.reference("Patient", patient.id).to_resource()["meta"]["versionId"] == "2"

    patched = client.patch("Patient", patient.id, active=True)
    assert patched["active"] is True
    assert patched["gender"] == "female"
    assert patched["meta"]["versionId"] == "3"

    client.delete("Patient", patient.id)
    with pytest.raises(ResourceNotFound):
        client.reference("Patient", patient.id).to_resource()


def test_invalid_resource_is_refused_with_operation_outcome(client):
    with pytest.raises(OperationOutcome) as refused:
        client.resource("Patient", gender="mail").save()
    assert "gender" in str(refused.value)


def test_page_through_history(client, server):
    device = client.resource("Device", id="e2e-history-device", status="active")
    device.save()
    for status in ["inactive", "active", "inactive", "active", "entered-in-error", "active"]:
        device["status"] = status
        device.save()
    versions, url, pages = [], f"{server.base}/Device/e2e-history-device/_history?_count=3", 0
    while url:
        bundle = requests.get(url, headers={"Accept": "application/fhir+json"}, timeout=10).json()
        assert bundle["type"] == "history"
        assert bundle["total"] == 7
        versions += [entry["resource"]["meta"]["versionId"] for entry in bundle["entry"]]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        pages += 1
    assert versions == ["7", "6", "5", "4", "3", "2", "1"]
    assert pages == 3


@pytest.mark.parametrize("body", [
    b"\xff\xfe not json",
    b"[" * 10000,
    b'{"resourceType":"Patient","name":[' + b'{"given":["x"]},' * 1_200_000 + b'{"given":["x"]}]}',  # 19 MB > 16 MiB
    b'{"resourceType":"Patient","name":[{"family":"x"',
    b'{"resourceType":"Patient","birthDate":"\xed\xa0\x80"}',
], ids=["invalid-utf8", "deep-nesting", "over-size-limit", "truncated", "lone-surrogate"])
def test_hostile_input_gets_4xx_and_the_server_lives(server, body):
    response = requests.post(f"{server.base}/Patient", data=body,
                             headers={"Content-Type": "application/fhir+json"}, timeout=30)
    assert 400 <= response.status_code < 500, f"status {response.status_code}: {response.text[:200]}"
    assert response.json()["resourceType"] == "OperationOutcome"
    assert requests.get(f"http://127.0.0.1:{server.port}/healthz", timeout=5).status_code == 200


def test_data_survives_restart_and_sigterm_stops_postgres(start_vesta):
    first = start_vesta("restart-data")
    created = requests.put(f"{first.base}/Patient/e2e-durable",
                           json={"resourceType": "Patient", "id": "e2e-durable", "gender": "other"}, timeout=10)
    assert created.status_code == 201
    assert first.postgres_running
    assert first.terminate() == 0
    assert not first.postgres_running, "SIGTERM must stop the embedded PostgreSQL"

    second = start_vesta("restart-data")
    read = requests.get(f"{second.base}/Patient/e2e-durable", timeout=10)
    assert read.status_code == 200
    assert read.json()["gender"] == "other"
    assert second.terminate() == 0


def test_search_with_fhirpy_follows_pages_and_includes(client):
    family = f"Search{uuid.uuid4().hex[:10]}"
    patient = client.resource("Patient", name=[{"family": family, "given": ["Zoë"]}], birthDate="1980-02-29")
    patient.save()
    for minute in range(5):
        client.resource("Observation", status="final", subject={"reference": f"Patient/{patient.id}"},
                        code={"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                        effectiveDateTime=f"2024-06-01T10:0{minute}:00Z",
                        valueQuantity={"value": 60 + minute, "unit": "/min"}).save()

    found = client.resources("Patient").search(family=family.lower(), birthdate="1980-02").fetch_all()
    assert [p.id for p in found] == [patient.id]

    readings = (client.resources("Observation")
                .search(patient=patient.id, code="http://loinc.org|8867-4", date__ge="2024-06-01T10:01:00Z")
                .sort("-date").limit(2).fetch_all())
    assert [r["valueQuantity"]["value"] for r in readings] == [64, 63, 62, 61]

    with_patient = (client.resources("Observation").search(patient=patient.id)
                    .include("Observation", "subject").limit(10).fetch_raw())
    modes = sorted(entry["search"]["mode"] for entry in with_patient["entry"])
    assert modes == ["include"] + ["match"] * 5
