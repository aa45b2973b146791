import DeviceMapping
import FHIRCore
import Testing

@Suite struct IotTemplateTests {
    static let iotHub = collection("IotJsonPathContent", """
    {"typeName": "heartrate", "typeMatchExpression": "$..[?(@Body.heartRate)]",
     "patientIdExpression": "$.SystemProperties.iothub-connection-device-id",
     "values": [{"valueName": "hr", "valueExpression": "$.Body.heartRate", "required": true}]}
    """)

    @Test func iotHubEnvelopeUsesSystemProperties() throws {
        let mapping = try validMapping(Self.iotHub)
        let envelope = try json("""
        {"Body": {"heartRate": "78"}, "Properties": {"iothub-creation-time-utc": "2019-02-01T22:46:01.8750000Z"},
         "SystemProperties": {"iothub-connection-device-id": "device123", "iothub-enqueuedtime": "2019-02-01T22:46:02Z"}}
        """)
        let event = try #require(DeviceEvent(envelope: envelope))
        let measurement = try #require(try mapping.normalize(event).first)
        #expect(measurement.deviceId == "device123")
        #expect(measurement.patientId == "device123")
        #expect(measurement.occurrenceTimeUtc.fhirString == "2019-02-01T22:46:01.875Z")
        #expect(measurement.ingestionTimeUtc?.fhirString == "2019-02-01T22:46:02.000Z")
        #expect(pairs(measurement) == ["hr=78"])
    }

    @Test func iotHubFallsBackToEnqueuedTime() throws {
        let mapping = try validMapping(Self.iotHub)
        let event = DeviceEvent(
            body: ["heartRate": 80], systemProperties: ["iothub-connection-device-id": "d", "iothub-enqueuedtime": "2019-02-01T10:00:00+01:00"])
        #expect(try mapping.normalize(event).first?.occurrenceTimeUtc.fhirString == "2019-02-01T09:00:00.000Z")
    }

    @Test func iotHubWithoutDeviceIdFails() throws {
        let mapping = try validMapping(Self.iotHub)
        let error = normalizationError(mapping, DeviceEvent(body: ["heartRate": 80], properties: ["iothub-creation-time-utc": "2019-02-01"]))
        #expect(error?.message == "Unable to extract required value for [DeviceIdExpression] using $.SystemProperties.iothub-connection-device-id")
    }

    @Test func iotCentralExportMessage() throws {
        let mapping = try validMapping(collection("IotCentralJsonPathContent", """
        {"typeName": "bloodpressure", "typeMatchExpression": "$..[?(@telemetry.BloodPressure.Systolic)]",
         "values": [{"valueName": "systolic", "valueExpression": "$.telemetry.BloodPressure.Systolic", "required": true},
                    {"valueName": "diastolic", "valueExpression": "$.telemetry.BloodPressure.Diastolic", "required": true}]}
        """))
        let message = try json("""
        {"deviceId": "1vzb5ghlsg1", "enqueuedTime": "2020-08-05T22:37:32.942Z", "messageSource": "telemetry",
         "telemetry": {"BloodPressure": {"Systolic": 87.5, "Diastolic": 81.09}}}
        """)
        let measurement = try #require(try mapping.normalize(message: message).first)
        #expect(measurement.deviceId == "1vzb5ghlsg1")
        #expect(measurement.occurrenceTimeUtc.fhirString == "2020-08-05T22:37:32.942Z")
        #expect(pairs(measurement) == ["systolic=87.5", "diastolic=81.09"])
    }

    @Test func iotCentralArrayBodyGivesOneMeasurementPerMessage() throws {
        let mapping = try validMapping(collection("IotCentralJsonPathContent", """
        {"typeName": "hr", "typeMatchExpression": "$..[?(@telemetry.HeartRate)]",
         "values": [{"valueName": "hr", "valueExpression": "$.telemetry.HeartRate", "required": true}]}
        """))
        let message = try json("""
        [{"deviceId": "a", "enqueuedTime": "2020-08-05T22:37:32Z", "telemetry": {"HeartRate": 60}},
         {"deviceId": "b", "enqueuedTime": "2020-08-05T22:37:33Z", "telemetry": {"HeartRate": 61}},
         {"deviceId": "c", "enqueuedTime": "2020-08-05T22:37:34Z", "telemetry": {"Steps": 3}}]
        """)
        #expect(try mapping.normalize(message: message).map(\.deviceId) == ["a", "b"])
    }

    @Test func envelopeDetection() throws {
        #expect(DeviceEvent(envelope: try json(#"{"Body": 1, "Properties": {"a": "b"}}"#))?.properties == ["a": "b"])
        #expect(DeviceEvent(envelope: try json(#"{"Body": 1, "deviceId": "x"}"#)) == nil)
        #expect(DeviceEvent(envelope: try json(#"{"Properties": {}}"#)) == nil)
    }
}
