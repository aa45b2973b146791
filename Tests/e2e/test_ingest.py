"""Device ingestion through the real server: the background worker turns accepted messages into
Observations without the client waiting."""
import time

import requests

from conftest import ROOT


def test_worker_turns_accepted_messages_into_observations(start_vesta):
    vesta = start_vesta("ingest-data", "--mappings-dir", str(ROOT / "mappings" / "vesta-bench-vitals"))
    device = {"resourceType": "Device", "id": "e2e-monitor", "status": "active",
              "identifier": [{"value": "e2e-monitor"}], "patient": {"reference": "Patient/e2e-patient"}}
    assert requests.put(f"{vesta.base}/Device/e2e-monitor", json=device, timeout=10).status_code == 201
    messages = "\n".join(
        f'{{"deviceId":"e2e-monitor","measurementTime":"2026-03-01T08:00:{second:02d}Z","type":"8867-4","value":{60 + second}}}'
        for second in (0, 5, 10))
    accepted = requests.post(f"http://127.0.0.1:{vesta.port}/ingest", data=messages,
                             headers={"Content-Type": "application/x-ndjson"}, timeout=10)
    assert accepted.status_code == 202, accepted.text
    deadline = time.monotonic() + 30
    observations = []
    while time.monotonic() < deadline and not observations:
        history = requests.get(f"{vesta.base}/Observation/_history", timeout=10).json()
        observations = [entry["resource"] for entry in history.get("entry", []) if "resource" in entry]
        time.sleep(0.2)
    assert len(observations) == 1, "the worker should have written one hourly Observation"
    observation = observations[0]
    assert observation["device"]["reference"] == "Device/e2e-monitor"
    assert observation["subject"]["reference"] == "Patient/e2e-patient"
    assert observation["valueSampledData"]["data"].startswith("60 65 70")
    assert vesta.terminate() == 0
