#!/usr/bin/env python3
"""Synthetic remote-monitoring data: patients, devices, and vital-sign Observations every few
seconds per device across 6 LOINC codes, as FHIR resources (NDJSON), transaction Bundles and
raw device messages. Deterministic for a given seed, so runs are comparable.

    generate.py --patients 100 --observations 5000 --out DIR
"""
import argparse
import datetime
import json
import pathlib
import random

GIVEN = ["Ava", "Liam", "Noah", "Emma", "Olivia", "Elijah", "Mia", "Lucas", "Amara", "Kenji", "Sofia", "Mateo",
         "Zara", "Ines", "Omar", "Priya", "Chen", "Nia", "Tomas", "Freya"]
FAMILY = ["Okafor", "Nguyen", "Garcia", "Smith", "Kowalski", "Haddad", "Tanaka", "Silva", "Müller", "O'Brien",
          "Johansson", "Patel", "Rossi", "Dubois", "Kim", "Novak", "Ahmed", "Moreau", "Costa", "Byrne"]

# (code, display, unit, ucum, low, high, decimals)
VITALS = [
    ("8867-4", "Heart rate", "beats/minute", "/min", 48, 140, 0),
    ("9279-1", "Respiratory rate", "breaths/minute", "/min", 10, 28, 0),
    ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%", 88, 100, 0),
    ("8310-5", "Body temperature", "Cel", "Cel", 35.8, 39.4, 1),
    ("29463-7", "Body weight", "kg", "kg", 45, 140, 1),
    ("85354-9", "Blood pressure panel with all children optional", "mm[Hg]", "mm[Hg]", 0, 0, 0),
]
VITAL_SIGNS = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                           "code": "vital-signs", "display": "Vital Signs"}]}


def patient(index: int, rng: random.Random) -> dict:
    return {
        "resourceType": "Patient", "id": f"bench-p{index}",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.4.1", "value": f"{rng.randint(100, 899)}-{rng.randint(10, 99)}-{index:04d}"},
                       {"system": "http://hospital.example.org/mrn", "value": f"MRN{index:08d}"}],
        "active": True,
        "name": [{"use": "official", "family": rng.choice(FAMILY), "given": [rng.choice(GIVEN)]}],
        "telecom": [{"system": "phone", "value": f"+1-555-{rng.randint(1000, 9999)}", "use": "mobile"}],
        "gender": rng.choice(["female", "male"]),
        "birthDate": f"{rng.randint(1935, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "address": [{"line": [f"{rng.randint(1, 999)} Main St"], "city": "Springfield", "postalCode": f"{rng.randint(10000, 99999)}"}],
    }


def device(index: int) -> dict:
    return {
        "resourceType": "Device", "id": f"bench-d{index}", "status": "active",
        "identifier": [{"system": "http://devices.example.org/serial", "value": f"SN-{index:06d}"},
                       {"system": "http://devices.example.org/id", "value": f"bench-d{index}"}],
        "deviceName": [{"name": f"Vitals monitor {index}", "type": "model-name"}],
        "patient": {"reference": f"Patient/bench-p{index}"},
    }


def quantity(value, unit, ucum) -> dict:
    return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": ucum}


def observation(number: int, patients: int, start: datetime.datetime, rng: random.Random) -> dict:
    who = number % patients
    code, display, unit, ucum, low, high, decimals = VITALS[(number // patients) % len(VITALS)]
    # Every device reports every few seconds; readings advance in time across the series.
    effective = start + datetime.timedelta(seconds=5 * (number // patients))
    resource = {
        "resourceType": "Observation", "status": "final", "category": [VITAL_SIGNS],
        "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": display}], "text": display},
        "subject": {"reference": f"Patient/bench-p{who}"},
        "device": {"reference": f"Device/bench-d{who}"},
        "effectiveDateTime": effective.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if code == "85354-9":
        resource["component"] = [
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure"}]},
             "valueQuantity": quantity(rng.randint(95, 180), unit, ucum)},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4", "display": "Diastolic blood pressure"}]},
             "valueQuantity": quantity(rng.randint(55, 110), unit, ucum)},
        ]
    else:
        value = round(rng.uniform(low, high), decimals)
        resource["valueQuantity"] = quantity(int(value) if decimals == 0 else value, unit, ucum)
    return resource


def device_message(observation_resource: dict) -> dict:
    """The same reading as a device gateway would POST it (MedTech-style JSON)."""
    quantity_value = observation_resource.get("valueQuantity", {}).get("value")
    return {"deviceId": observation_resource["device"]["reference"].split("/")[1],
            "measurementTime": observation_resource["effectiveDateTime"],
            "type": observation_resource["code"]["coding"][0]["code"], "value": quantity_value}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--observations", type=int, default=5000)
    parser.add_argument("--bundle-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)

    with open(args.out / "patients.ndjson", "w") as patients, open(args.out / "devices.ndjson", "w") as devices:
        for index in range(args.patients):
            patients.write(json.dumps(patient(index, rng), ensure_ascii=False) + "\n")
            devices.write(json.dumps(device(index)) + "\n")

    bundle_entries, message_batch = [], []
    with open(args.out / "observations.ndjson", "w") as observations, \
            open(args.out / "device-messages.ndjson", "w") as messages, \
            open(args.out / "device-message-batches.ndjson", "w") as message_batches, \
            open(args.out / "bundles.ndjson", "w") as bundles:
        for number in range(args.observations):
            resource = observation(number, args.patients, start, rng)
            observations.write(json.dumps(resource) + "\n")
            messages.write(json.dumps(device_message(resource)) + "\n")
            message_batch.append(device_message(resource))
            if len(message_batch) == args.bundle_size:
                message_batches.write(json.dumps(message_batch) + "\n")
                message_batch = []
            bundle_entries.append({"fullUrl": f"urn:uuid:{rng.getrandbits(128):032x}", "resource": resource,
                                   "request": {"method": "POST", "url": "Observation"}})
            if len(bundle_entries) == args.bundle_size:
                bundles.write(json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": bundle_entries}) + "\n")
                bundle_entries = []


if __name__ == "__main__":
    main()
