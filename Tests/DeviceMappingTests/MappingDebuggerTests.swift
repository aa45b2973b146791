import DeviceMapping
import FHIRCore
import Testing

@Suite struct MappingDebuggerTests {
    static let mapping = """
    {"templateType": "CollectionContent", "template": [
      {"templateType": "CalculatedContent", "template": {"typeName": "heartrate", "typeMatchExpression": "$..[?(@heartRate)]",
        "deviceIdExpression": "$.Body.deviceId", "timestampExpression": "$.matchedToken.endDate",
        "values": [{"valueName": "hr", "valueExpression": "$.matchedToken.heartRate", "required": true}]}},
      {"templateType": "CalculatedContent", "template": {"typeName": "steps", "typeMatchExpression": "$..[?(@steps)]",
        "deviceIdExpression": "$.Body.deviceId", "timestampExpression": "$.matchedToken.endDate",
        "values": [{"valueName": "steps", "valueExpression": "$.matchedToken.steps", "required": true}]}}
    ]}
    """

    private func run(_ mapping: String, _ message: String) throws -> JSONValue {
        MappingDebugger.run(deviceMapping: Array(mapping.utf8), message: Array(message.utf8)).jsonValue
    }

    @Test func goodMappingShowsMeasurementsPerMatchedTemplate() throws {
        let result = try run(Self.mapping, #"{"deviceId": "d1", "heartRate": 70, "endDate": "2024-01-01T00:00:00Z"}"#)
        #expect(result["status"] == "normalized")
        #expect(result["errors"] == [])
        #expect(result["warnings"] == [])
        #expect(result["templates"] == (try json("""
        [{"index": 0, "templateType": "CalculatedContent", "typeName": "heartrate", "matches": 1, "measurements": [
          {"type": "heartrate", "occurrenceTimeUtc": "2024-01-01T00:00:00.000Z", "deviceId": "d1",
           "properties": [{"name": "hr", "value": "70"}]}]}]
        """)))
        #expect(result["measurements"]?.arrayValue?.count == 1)
        #expect(result["envelope"]?["Body"]?["deviceId"] == "d1")
    }

    @Test func messageErrorsKeepEarlierMeasurements() throws {
        let result = try run(Self.mapping, #"{"deviceId": "d1", "heartRate": 70, "steps": null, "endDate": "2024-01-01T00:00:00Z"}"#)
        #expect(result["status"] == "failed")
        #expect(result["templates"]?.arrayValue?.map { $0["typeName"] } == ["heartrate", "steps"])
        #expect(result["measurements"]?.arrayValue?.count == 1)
        #expect(result["errors"] == (try json("""
        [{"exception": "IncompatibleDataException", "code": "missingRequiredValue",
          "message": "Unable to extract required value for [steps] using $.matchedToken.steps", "level": "ERROR",
          "category": "NORMALIZATION", "templateIndex": 1, "typeName": "steps", "field": "steps", "expression": "$.matchedToken.steps"}]
        """)))
    }

    @Test func noMeasurementsIsAWarning() throws {
        let result = try run(Self.mapping, #"{"temperature": 37}"#)
        #expect(result["status"] == "normalized")
        #expect(result["templates"] == [])
        #expect(result["warnings"] == ["No measurements were produced for the given device data."])
    }

    @Test func badMappingReturnsEveryTemplateError() throws {
        let bad = """
        {"templateType": "CollectionContent", "template": [
          {"templateType": "CalculatedContent", "template": {"typeName": "hr", "typeMatchExpression": "$..[?(@hr",
            "timestampExpression": "$.t"}},
          {"templateType": "Unknown", "template": {}}
        ]}
        """
        let result = try run(bad, "{}")
        #expect(result["status"] == "invalidMapping")
        #expect(result["templateErrors"] == (try json("""
        [{"code": "missingProperty", "message": "Required property 'deviceIdExpression' not found in JSON.", "level": "ERROR",
          "category": "NORMALIZATION", "line": 2, "column": 53, "pointer": "/template/0/template"},
         {"code": "invalidExpression", "message": "The following JsonPath expression could not be parsed: $..[?(@hr (Path ended with open query. at offset 9)",
          "level": "ERROR", "category": "NORMALIZATION", "line": 2, "column": 95, "pointer": "/template/0/template/typeMatchExpression"},
         {"code": "unknownTemplateType", "message": "No match found for template type Unknown.", "level": "ERROR",
          "category": "NORMALIZATION", "line": 4, "column": 20, "pointer": "/template/1/templateType"}]
        """)))
    }

    @Test func invalidMessageIsReported() throws {
        let result = try run(Self.mapping, "{\"a\": }")
        #expect(result["status"] == "invalidMessage")
        #expect(result["messageError"]?["exception"] == "InvalidDataFormatException")
        #expect(result["messageError"]?["column"] == 7)
    }

    @Test func envelopeMessagesAreUsedAsIs() throws {
        let mapping = collection("IotJsonPathContent", """
        {"typeName": "hr", "typeMatchExpression": "$..[?(@Body.hr)]",
         "values": [{"valueName": "hr", "valueExpression": "$.Body.hr", "required": true}]}
        """)
        let message = """
        {"Body": {"hr": 1}, "SystemProperties": {"iothub-connection-device-id": "dev", "iothub-enqueuedtime": "2024-01-01T00:00:00Z"}}
        """
        let measurements = try run(mapping, message)["measurements"]
        #expect(measurements?.arrayValue?.first?["ingestionTimeUtc"] == "2024-01-01T00:00:00.000Z")
        #expect(measurements?.arrayValue?.first?["deviceId"] == "dev")
    }
}
