import DeviceMapping
import FHIRCore
import Testing

@Suite struct NormalizationTests {
    static let heartRate = collection("CalculatedContent", """
    {"typeName": "heartrate", "typeMatchExpression": "$..[?(@heartRate)]",
     "deviceIdExpression": "$.Body.deviceId", "timestampExpression": "$.matchedToken.endDate",
     "patientIdExpression": "$.Body.patientId", "encounterIdExpression": "$.Body.encounterId",
     "values": [{"valueName": "hr", "valueExpression": "$.matchedToken.heartRate", "required": true},
                {"valueName": "note", "valueExpression": "$.matchedToken.note", "required": false}]}
    """)

    @Test func documentationHeartRateExample() throws {
        let mapping = try validMapping(Self.heartRate)
        let message = try json(#"{"heartRate": "78", "endDate": "2023-03-13T22:46:01.8750000", "deviceId": "device01"}"#)
        let measurements = try mapping.normalize(message: message)
        #expect(measurements == [Measurement(
            type: "heartrate", occurrenceTimeUtc: FHIRInstant(millisecondsSince1970: 1_678_747_561_875), deviceId: "device01",
            properties: [MeasurementProperty(name: "hr", value: "78")])])
        #expect(measurements.first?.jsonValue == (try json("""
        {"type": "heartrate", "occurrenceTimeUtc": "2023-03-13T22:46:01.875Z", "deviceId": "device01",
         "properties": [{"name": "hr", "value": "78"}]}
        """)))
    }

    @Test func multipleMatchesFromAnArrayKeepMatchOrder() throws {
        let mapping = try validMapping(Self.heartRate)
        let message = try json("""
        {"deviceId": "d", "patientId": "p", "encounterId": "e", "readings": [
          {"heartRate": 61, "endDate": "2023-01-01T00:00:00Z", "note": "rest"},
          {"heartRate": 62.0, "endDate": "2023-01-01T00:01:00Z", "note": "  "},
          {"heartRate": true, "endDate": "2023-01-01T00:02:00Z", "note": {"x": 1}}]}
        """)
        let measurements = try mapping.normalize(message: message)
        #expect(measurements.map(pairs) == [["hr=61", "note=rest"], ["hr=62"], ["hr=True"]])
        #expect(measurements.allSatisfy { $0.patientId == "p" && $0.encounterId == "e" && $0.correlationId == nil })
    }

    @Test func templatesApplyInOrderAndEachTypeMatches() throws {
        let mapping = try validMapping("""
        {"templateType": "CollectionContent", "template": [
          {"templateType": "JsonPathContent", "template": {"typeName": "steps", "typeMatchExpression": "$..[?(@steps)]",
            "deviceIdExpression": "$.deviceId", "timestampExpression": "$.time",
            "values": [{"valueName": "steps", "valueExpression": "$.steps", "required": true}]}},
          {"templateType": "JsonPathContent", "template": {"typeName": "heartrate", "typeMatchExpression": "$..[?(@heartRate)]",
            "deviceIdExpression": "$.deviceId", "timestampExpression": "$.time",
            "values": [{"valueName": "hr", "valueExpression": "$.heartRate", "required": true}]}}
        ]}
        """)
        let message = try json(#"{"deviceId": "d1", "time": "2024-05-01T10:00:00+02:00", "heartRate": 70, "steps": 12}"#)
        let measurements = try mapping.normalize(message: message)
        #expect(measurements.map(\.type) == ["steps", "heartrate"])
        #expect(measurements.map(\.occurrenceTimeUtc.fhirString) == ["2024-05-01T08:00:00.000Z", "2024-05-01T08:00:00.000Z"])
    }

    @Test func noMatchIsNotAnError() throws {
        let mapping = try validMapping(Self.heartRate)
        #expect(try mapping.normalize(message: json(#"{"steps": 1}"#)).isEmpty)
    }

    @Test func jmesPathWithMedTechFunctions() throws {
        let mapping = try validMapping(collection("CalculatedContent", """
        {"typeName": "height", "defaultExpressionLanguage": "JmesPath", "typeMatchExpression": "to_array(Body)[?height]",
         "deviceIdExpression": "matchedToken.device", "timestampExpression": "fromUnixTimestamp(matchedToken.ts)",
         "correlationIdExpression": "insertString(matchedToken.device, '-session', `6`)",
         "values": [{"valueName": "meters", "valueExpression": "multiply(matchedToken.height, `0.0254`)", "required": true},
                    {"valueName": "doubled", "valueExpression": "add(matchedToken.height, matchedToken.height)", "required": true}]}
        """))
        let measurements = try mapping.normalize(message: json(#"{"device": "dev-01", "ts": 1625677200, "height": 78}"#))
        let measurement = try #require(measurements.first)
        #expect(measurement.occurrenceTimeUtc.fhirString == "2021-07-07T17:00:00.000Z")
        #expect(measurement.correlationId == "dev-01-session")
        #expect(pairs(measurement) == ["meters=1.9811999999999999", "doubled=156"])
    }

    @Test func jmesPathProjectionYieldsOneMatchPerElement() throws {
        let mapping = try validMapping(collection("CalculatedContent", """
        {"typeName": "bp", "defaultExpressionLanguage": "JmesPath", "typeMatchExpression": "Body[?systolic]",
         "deviceIdExpression": "matchedToken.id", "timestampExpression": "fromUnixTimestampMs(matchedToken.ms)",
         "values": [{"valueName": "systolic", "valueExpression": "matchedToken.systolic", "required": true}]}
        """))
        let message = try json(#"[{"id": "a", "ms": 1626799080000, "systolic": 120}, {"id": "b", "ms": 1626799080500, "systolic": 121}, {"id": "c"}]"#)
        let measurements = try mapping.normalize(message: message)
        #expect(measurements.map(\.deviceId) == ["a", "b"])
        #expect(measurements.map(\.occurrenceTimeUtc.fhirString) == ["2021-07-20T16:38:00.000Z", "2021-07-20T16:38:00.500Z"])
    }

    @Test func requiredVersusOptionalValues() throws {
        let mapping = try validMapping(Self.heartRate)
        let optionalMissing = try mapping.normalize(message: json(#"{"deviceId": "d", "heartRate": 1, "endDate": "2024-01-01"}"#))
        #expect(optionalMissing.map(pairs) == [["hr=1"]])
        for blank in [#""   ""#, "null", "{}"] {
            let message = try json(#"{"deviceId": "d", "heartRate": \#(blank), "endDate": "2024-01-01"}"#)
            let error = normalizationError(mapping, DeviceEvent(body: message))
            #expect(error?.kind == .missingRequiredValue)
            #expect(error?.message == "Unable to extract required value for [hr] using $.matchedToken.heartRate")
            #expect(error?.exceptionName == "IncompatibleDataException")
        }
    }

    @Test func missingDeviceIdFailsTheWholeMessage() throws {
        let mapping = try validMapping(Self.heartRate)
        let error = normalizationError(mapping, DeviceEvent(body: try json(#"{"heartRate": 1, "endDate": "2024-01-01T00:00:00Z"}"#)))
        #expect(error == NormalizationError(
            kind: .missingRequiredValue, templateIndex: 0, typeName: "heartrate", field: "DeviceIdExpression",
            expression: "$.Body.deviceId"))
        #expect(error?.message == "Unable to extract required value for [DeviceIdExpression] using $.Body.deviceId")
    }

    @Test func badTimestamps() throws {
        let mapping = try validMapping(Self.heartRate)
        for (endDate, found) in [("1700000000", "1700000000"), (#""yesterday""#, "yesterday"), (#""2024-02-30T00:00:00Z""#, "2024-02-30T00:00:00Z")] {
            let message = try json(#"{"deviceId": "d", "heartRate": 1, "endDate": \#(endDate)}"#)
            let error = normalizationError(mapping, DeviceEvent(body: message))
            #expect(error?.kind == .invalidTimestamp(found: found))
            #expect(error?.field == "TimestampExpression")
        }
        let missing = normalizationError(mapping, DeviceEvent(body: try json(#"{"deviceId": "d", "heartRate": 1}"#)))
        #expect(missing?.kind == .missingRequiredValue)
        #expect(missing?.field == "TimestampExpression")
    }

    @Test(arguments: [
        ("2023-03-13T22:46:01.8750000", "2023-03-13T22:46:01.875Z"),
        ("2023-03-13T22:46:01Z", "2023-03-13T22:46:01.000Z"),
        ("2023-03-13T23:46:01+01:00", "2023-03-13T22:46:01.000Z"),
        ("2023-03-13T17:16:01-0530", "2023-03-13T22:46:01.000Z"),
        ("2023-03-14T08:46:01+10", "2023-03-13T22:46:01.000Z"),
        ("2023-03-13 22:46", "2023-03-13T22:46:00.000Z"),
        ("2023-03-13", "2023-03-13T00:00:00.000Z"),
        ("2023-12-31T23:30:00-01:00", "2024-01-01T00:30:00.000Z"),
    ])
    func timeZones(text: String, utc: String) throws {
        let mapping = try validMapping(Self.heartRate)
        let message: JSONValue = ["deviceId": "d", "heartRate": 1, "endDate": .string(text)]
        #expect(try mapping.normalize(message: message).first?.occurrenceTimeUtc.fhirString == utc)
    }

    @Test func singleValueExpressionsRejectMultipleResults() throws {
        let mapping = try validMapping(collection("CalculatedContent", """
        {"typeName": "x", "typeMatchExpression": "$.Body", "deviceIdExpression": "$.Body.ids[*]",
         "timestampExpression": "$.Body.t", "values": []}
        """))
        let error = normalizationError(mapping, DeviceEvent(body: try json(#"{"ids": ["a", "b"], "t": "2024-01-01"}"#)))
        #expect(error?.kind == .multipleResults)
        #expect(error?.exceptionName == "TemplateExpressionException")
        let jmes = try validMapping(collection("CalculatedContent", """
        {"typeName": "x", "defaultExpressionLanguage": "JmesPath", "typeMatchExpression": "Body",
         "deviceIdExpression": "Body.ids[]", "timestampExpression": "Body.t", "values": []}
        """))
        #expect(normalizationError(jmes, DeviceEvent(body: try json(#"{"ids": ["a", "b"], "t": "2024-01-01"}"#)))?.kind == .multipleResults)
    }

    /// JMESPath `searchSingle`/`searchMatches` only see a projection at the root or right of a
    /// pipe; `Body.ids[*]` nests it in a subexpression, so it is read as one array value.
    @Test func projectionInsideASubexpressionGivesOneMatchPerElement() throws {
        let jmes = try validMapping(collection("CalculatedContent", """
        {"typeName": "x", "defaultExpressionLanguage": "JmesPath", "typeMatchExpression": "Body.items[*]",
         "deviceIdExpression": "matchedToken.id", "timestampExpression": "matchedToken.t", "values": []}
        """))
        let message = try json(#"{"items": [{"id": "a", "t": "2024-01-01"}, {"id": "b", "t": "2024-01-01"}]}"#)
        let deviceIds = try jmes.normalize(message: message).map(\.deviceId)
        #expect(deviceIds == ["a", "b"])
    }

    @Test func correlationIdIsRequiredWhenConfigured() throws {
        let mapping = try validMapping(collection("CalculatedContent", """
        {"typeName": "x", "typeMatchExpression": "$.Body", "deviceIdExpression": "$.Body.id",
         "timestampExpression": "$.Body.t", "correlationIdExpression": "$.Body.session"}
        """))
        let error = normalizationError(mapping, DeviceEvent(body: try json(#"{"id": "a", "t": "2024-01-01"}"#)))
        #expect(error?.field == "CorrelationIdExpression")
        #expect(error?.kind == .missingRequiredValue)
    }

    @Test func functionErrorsFailTheMessage() throws {
        let mapping = try validMapping(collection("CalculatedContent", """
        {"typeName": "x", "defaultExpressionLanguage": "JmesPath", "typeMatchExpression": "Body", "deviceIdExpression": "Body.id",
         "timestampExpression": "Body.t", "values": [{"valueName": "v", "valueExpression": "divide(Body.a, `0`)"}]}
        """))
        let error = normalizationError(mapping, DeviceEvent(body: try json(#"{"id": "a", "t": "2024-01-01", "a": 4}"#)))
        guard case .evaluationFailed = error?.kind else {
            Issue.record("expected an evaluation failure, got \(String(describing: error))")
            return
        }
        #expect(error?.field == "v")
    }

    @Test func calculatedContentSeesTheEnvelope() throws {
        let mapping = try validMapping(collection("CalculatedContent", """
        {"typeName": "x", "typeMatchExpression": "$.Body.items[*]", "deviceIdExpression": "$.Properties.device",
         "timestampExpression": "$.matchedToken.t", "values": [{"valueName": "v", "valueExpression": "$.matchedToken.v"}]}
        """))
        let event = DeviceEvent(
            body: try json(#"{"items": [{"t": "2024-01-01", "v": 1}]}"#),
            properties: ["device": "from-properties"], enqueuedTime: FHIRInstant(millisecondsSince1970: 5))
        let measurements = try mapping.normalize(event)
        #expect(measurements.map(\.deviceId) == ["from-properties"])
        #expect(measurements.map(pairs) == [["v=1"]])
        #expect(measurements.first?.ingestionTimeUtc == FHIRInstant(millisecondsSince1970: 5))
    }

    @Test func failureStopsLaterMatchesAndTemplates() throws {
        let mapping = try validMapping(Self.heartRate)
        let message = try json(#"{"deviceId": "d", "readings": [{"heartRate": 1, "endDate": "2024-01-01"}, {"heartRate": 2}]}"#)
        #expect(normalizationError(mapping, DeviceEvent(body: message))?.field == "TimestampExpression")
    }
}
