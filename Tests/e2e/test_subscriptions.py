"""Subscriptions through the real binary: a rest-hook receiver on this machine gets every matching
write in order, including the ones written while it was down and across a server killed with
SIGKILL (and PostgreSQL stopped as by a power cut) mid-delivery; the change feed lists every change."""
import http.server
import json
import threading
import time

import requests

from conftest import VestaProcess, free_port

HEART_RATE = "http://loinc.org|8867-4"


class Receiver:
    """An HTTP endpoint on a loopback port that records notifications, or answers 503 while `failing`."""

    def __init__(self):
        self.received = []
        self.refused = 0
        self.failing = False
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    if receiver.failing:
                        receiver.refused += 1
                        status = 503
                    else:
                        receiver.received.append((self.headers.get("X-Vesta-Event-Id"), json.loads(body) if body else None))
                        status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def event_ids(self):
        with self.lock:
            return [event_id for event_id, _ in self.received]

    def wait_for(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.event_ids()) < count:
            time.sleep(0.05)
        return self.event_ids()

    def close(self):
        self.server.shutdown()


def observation(identifier, value):
    return {"resourceType": "Observation", "id": identifier, "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
            "subject": {"reference": "Patient/e2e-sub"}, "effectiveDateTime": "2026-03-01T08:00:00Z",
            "valueQuantity": {"value": value, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}}


def test_rest_hook_delivers_in_order_through_an_outage_and_a_killed_server(workspace):
    receiver = Receiver()
    data_dir = workspace / "subscriptions"
    vesta = VestaProcess(data_dir, ("--allow-private-endpoints",))
    try:
        subscription = {"resourceType": "Subscription", "id": "e2e-tachy", "status": "requested", "reason": "e2e",
                        "criteria": f"Observation?code={HEART_RATE}&value-quantity=gt120",
                        "channel": {"type": "rest-hook", "endpoint": f"http://127.0.0.1:{receiver.port}/hook",
                                    "payload": "application/fhir+json"}}
        created = requests.put(f"{vesta.base}/Subscription/e2e-tachy", json=subscription, timeout=30)
        assert created.status_code == 201, created.text
        assert created.json()["status"] == "active"

        started = time.monotonic()
        assert requests.put(f"{vesta.base}/Observation/e1", json=observation("e1", 130), timeout=30).status_code == 201
        assert requests.put(f"{vesta.base}/Observation/e2", json=observation("e2", 80), timeout=30).status_code == 201
        assert receiver.wait_for(1) == ["e2e-tachy:1"]
        assert time.monotonic() - started < 10
        assert receiver.received[0][1]["id"] == "e1"

        # The endpoint goes down; writes go on; the server is killed mid-retry.
        with receiver.lock:
            receiver.failing = True
        for number in range(3, 7):
            assert requests.put(f"{vesta.base}/Observation/e{number}", json=observation(f"e{number}", 140), timeout=30).status_code == 201
        deadline = time.monotonic() + 30
        while receiver.refused == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.refused > 0
        # Cut the power once the dispatcher has recorded a failed attempt (it records it just
        # after the refusal; a cut in between would lose only that count, not a notification).
        while status_values(vesta)["failedAttempts"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        vesta.power_cut()

        with receiver.lock:
            receiver.failing = False
        vesta = VestaProcess(data_dir, ("--allow-private-endpoints",))
        ids = receiver.wait_for(5, timeout=90)
        assert ids == [f"e2e-tachy:{number}" for number in range(1, 6)], ids
        assert [body["id"] for _, body in receiver.received] == ["e1", "e3", "e4", "e5", "e6"]

        # The receiver has the notifications before the dispatcher records them as delivered.
        deadline = time.monotonic() + 30
        while True:
            values = status_values(vesta)
            if values["eventsDelivered"] == 5 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert values["eventsDelivered"] == 5 and values["backlog"] == 0 and values["failedAttempts"] >= 1, values

        feed = requests.get(f"http://127.0.0.1:{vesta.port}/events", params={"_count": 1000}, timeout=30).json()
        subjects = [event["subject"] for event in feed["events"]]
        assert subjects == ["Subscription/e2e-tachy"] + [f"Observation/e{n}" for n in range(1, 7)], subjects
    finally:
        receiver.close()
        if vesta.process.poll() is None:
            assert vesta.terminate() == 0


def status_values(vesta):
    """The `$status` summary of the e2e-tachy Subscription, by parameter name."""
    status = requests.get(f"{vesta.base}/Subscription/e2e-tachy/$status", timeout=30).json()
    return {p["name"]: next(v for k, v in p.items() if k.startswith("value")) for p in status["parameter"]}


def sink_events(receiver):
    """Every event the receiver got from a change-feed sink, batch after batch."""
    with receiver.lock:
        return [event for _, batch in receiver.received for event in batch]


def wait_for_events(receiver, count, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(sink_events(receiver)) < count:
        time.sleep(0.05)
    return sink_events(receiver)


def test_event_sinks_get_the_feed_and_resume_after_a_restart(workspace, monkeypatch):
    cloud, azure = Receiver(), Receiver()
    data_dir = workspace / "event-sinks"
    sink = ("--event-sink", f"http://127.0.0.1:{cloud.port}/sink")
    vesta = VestaProcess(data_dir, sink)
    try:
        device = {"resourceType": "Device", "id": "e2e-sink"}
        assert requests.put(f"{vesta.base}/Device/e2e-sink", json=device, timeout=30).status_code == 201
        assert requests.delete(f"{vesta.base}/Device/e2e-sink", timeout=30).status_code == 204
        events = wait_for_events(cloud, 2)
        feed = requests.get(f"http://127.0.0.1:{vesta.port}/events", params={"_count": 1000}, timeout=30).json()["events"]
        assert events == feed, (events, feed)
        assert vesta.terminate() == 0

        # Restarted: the sink gets what came after, nothing twice.
        vesta = VestaProcess(data_dir, sink)
        assert requests.put(f"{vesta.base}/Device/e2e-sink", json=device, timeout=30).status_code == 201
        events = wait_for_events(cloud, 3)
        time.sleep(1)
        assert [event["type"] for event in sink_events(cloud)] == [
            "org.vesta.fhir.resource.created", "org.vesta.fhir.resource.deleted", "org.vesta.fhir.resource.updated"]
        assert vesta.terminate() == 0

        # Configured from the environment, in the Azure shape: a new sink starts at the first change.
        monkeypatch.setenv("VESTA_EVENT_SINKS", f"http://127.0.0.1:{azure.port}/sink")
        monkeypatch.setenv("VESTA_EVENT_SINK_FORMAT", "azure")
        vesta = VestaProcess(data_dir)
        events = wait_for_events(azure, 3)
        assert [event["eventType"] for event in events] == [
            "Microsoft.HealthcareApis.FhirResourceCreated", "Microsoft.HealthcareApis.FhirResourceDeleted",
            "Microsoft.HealthcareApis.FhirResourceUpdated"]
        assert events[2]["data"]["resourceFhirId"] == "e2e-sink" and events[2]["data"]["resourceVersionId"] == 3
        assert events[2]["subject"] == f"127.0.0.1:{vesta.port}/fhir/Device/e2e-sink"
    finally:
        cloud.close()
        azure.close()
        if vesta.process.poll() is None:
            assert vesta.terminate() == 0
