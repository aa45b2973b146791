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


def _post_device(vesta, device_id: str) -> None:
    device = {"resourceType": "Device", "id": device_id, "status": "active",
              "identifier": [{"value": device_id}], "patient": {"reference": f"Patient/{device_id}-patient"}}
    assert requests.put(f"{vesta.base}/Device/{device_id}", json=device, timeout=10).status_code == 201


def _messages(device_id: str, batch: int) -> str:
    """20 readings of batch `batch`: heart rates every 5 s (hourly SampledData) and a weight."""
    lines = []
    for index in range(19):
        second = (batch * 19 + index) * 5
        time_text = f"2026-03-01T{8 + second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
        lines.append(f'{{"deviceId":"{device_id}","measurementTime":"{time_text}","type":"8867-4","value":{60 + index}}}')
    lines.append(f'{{"deviceId":"{device_id}","measurementTime":"2026-03-01T09:{batch:02d}:00Z","type":"29463-7","value":{70 + batch / 10}}}')
    return "\n".join(lines)


def _wait_until_drained(vesta, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = requests.get(f"http://127.0.0.1:{vesta.port}/ingest/stats", timeout=10).json()
        if stats["batches"]["pending"] == 0:
            return
        time.sleep(0.3)
    raise AssertionError(f"ingest did not drain: {stats}")


def _observations(vesta, device_id: str) -> dict:
    """The device's Observations by id: what the readings produced, without server stamps."""
    found = {}
    url = f"{vesta.base}/Observation?device=Device/{device_id}&_count=1000"
    bundle = requests.get(url, timeout=30).json()
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        found[resource["id"]] = {key: resource.get(key) for key in
                                 ("identifier", "code", "subject", "effectivePeriod", "effectiveDateTime",
                                  "valueSampledData", "valueQuantity")}
    return found


def test_kill_9_mid_ingest_then_restart_equals_an_uninterrupted_run(start_vesta, workspace):
    """The server dies with SIGKILL while workers are processing (and PostgreSQL is stopped
    as by a power cut); after a restart the Observations are the same as a run that was never
    interrupted: nothing accepted is lost, nothing is counted twice."""
    mappings = ("--mappings-dir", str(ROOT / "mappings" / "vesta-bench-vitals"), "--ingest-flush-ms", "0")
    crashed = start_vesta("crash-data", *mappings)
    _post_device(crashed, "crash-monitor")
    for batch in range(30):
        response = requests.post(f"http://127.0.0.1:{crashed.port}/ingest", data=_messages("crash-monitor", batch), timeout=10)
        assert response.status_code == 202, response.text
    crashed.power_cut()

    restarted = start_vesta("crash-data", *mappings)
    _wait_until_drained(restarted)
    after_crash = _observations(restarted, "crash-monitor")

    reference = start_vesta("reference-data", *mappings)
    _post_device(reference, "crash-monitor")
    for batch in range(30):
        assert requests.post(f"http://127.0.0.1:{reference.port}/ingest?wait=true",
                             data=_messages("crash-monitor", batch), timeout=30).status_code in (200, 202)
    _wait_until_drained(reference)
    uninterrupted = _observations(reference, "crash-monitor")

    assert len(uninterrupted) == 31  # one hourly heart-rate Observation, 30 weights
    assert after_crash == uninterrupted
    stats = requests.get(f"http://127.0.0.1:{restarted.port}/ingest/stats", timeout=10).json()
    assert stats["messages"]["received"] == 600
    assert stats["failed"] == 0
