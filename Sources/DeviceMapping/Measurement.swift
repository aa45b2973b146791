import FHIRCore

/// One named reading of a measurement; values are strings (SPEC §2.1).
public struct MeasurementProperty: Sendable, Hashable {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A normalized device reading (SPEC §2.1): what one template match produced.
public struct Measurement: Sendable, Hashable {
    /// The template's `typeName`, verbatim.
    public var type: String
    public var occurrenceTimeUtc: FHIRInstant
    /// When the source message was received; used to pick the latest of same-time readings.
    public var ingestionTimeUtc: FHIRInstant?
    public var deviceId: String
    public var patientId: String?
    public var encounterId: String?
    public var correlationId: String?
    /// The template's values that were present, in template order.
    public var properties: [MeasurementProperty]

    public init(
        type: String, occurrenceTimeUtc: FHIRInstant, ingestionTimeUtc: FHIRInstant? = nil, deviceId: String,
        patientId: String? = nil, encounterId: String? = nil, correlationId: String? = nil,
        properties: [MeasurementProperty]
    ) {
        self.type = type
        self.occurrenceTimeUtc = occurrenceTimeUtc
        self.ingestionTimeUtc = ingestionTimeUtc
        self.deviceId = deviceId
        self.patientId = patientId
        self.encounterId = encounterId
        self.correlationId = correlationId
        self.properties = properties
    }

    /// MedTech's debugger form: camelCase, absent fields omitted, times as FHIR instants.
    public var jsonValue: JSONValue {
        var object: JSONObject = ["type": .string(type), "occurrenceTimeUtc": .string(occurrenceTimeUtc.fhirString)]
        object["ingestionTimeUtc"] = ingestionTimeUtc.map { .string($0.fhirString) }
        object["deviceId"] = .string(deviceId)
        object["patientId"] = patientId.map(JSONValue.string)
        object["encounterId"] = encounterId.map(JSONValue.string)
        object["correlationId"] = correlationId.map(JSONValue.string)
        object["properties"] = .array(properties.map { ["name": .string($0.name), "value": .string($0.value)] })
        return .object(object)
    }
}

extension Measurement {
    /// Reads the debugger form back (`jsonValue`); nil when a required field is missing or malformed.
    public init?(jsonValue: JSONValue) {
        guard let type = jsonValue["type"]?.stringValue,
              let occurrence = jsonValue["occurrenceTimeUtc"]?.stringValue.flatMap(FHIRInstant.init(parsing:)),
              let deviceId = jsonValue["deviceId"]?.stringValue
        else { return nil }
        var properties: [MeasurementProperty] = []
        for property in jsonValue["properties"]?.arrayValue ?? [] {
            guard let name = property["name"]?.stringValue, let value = property["value"]?.stringValue else { return nil }
            properties.append(MeasurementProperty(name: name, value: value))
        }
        self.init(type: type, occurrenceTimeUtc: occurrence,
                  ingestionTimeUtc: jsonValue["ingestionTimeUtc"]?.stringValue.flatMap(FHIRInstant.init(parsing:)),
                  deviceId: deviceId, patientId: jsonValue["patientId"]?.stringValue,
                  encounterId: jsonValue["encounterId"]?.stringValue, correlationId: jsonValue["correlationId"]?.stringValue,
                  properties: properties)
    }
}
