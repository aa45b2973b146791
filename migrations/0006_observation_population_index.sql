-- Population and alert queries ("every heart rate above 120 in the last hour", "Observation?
-- code=C&date=ge…" without a patient): one ordered range scan by code and time.
CREATE INDEX observation_timeline_code ON observation_timeline (code, hi, key);
