/// The device template types a `CollectionContent` may hold (SPEC §1.1, §1.2).
public enum DeviceTemplateType: String, Sendable, Hashable, CaseIterable {
    case jsonPath = "JsonPathContent"
    case iotJsonPath = "IotJsonPathContent"
    case iotCentralJsonPath = "IotCentralJsonPathContent"
    case calculated = "CalculatedContent"

    /// Case-insensitive lookup; a `Template` suffix is accepted only for the types whose
    /// canonical .NET name ends in `Template`.
    init?(name: String) {
        let lowered = name.lowercased()
        for type in Self.allCases {
            let canonical = type.rawValue.lowercased()
            if lowered == canonical || (type.acceptsTemplateSuffix && lowered == canonical + "template") {
                self = type
                return
            }
        }
        return nil
    }

    private var acceptsTemplateSuffix: Bool { self == .jsonPath || self == .iotJsonPath }

    /// Whether the other expressions run against the whole envelope plus `matchedToken`
    /// (`CalculatedContent`) rather than against the matched token itself (SPEC §1.4 step 3).
    var evaluatesAgainstEnvelope: Bool { self == .calculated }
}

/// One value a template extracts into a measurement property.
public struct ValueTemplate: Sendable {
    public let valueName: String
    public let valueExpression: TemplateExpression
    /// Absent values of a required property fail the message; optional ones are omitted.
    public let required: Bool
}

/// One compiled device template: how to find readings of one measurement type in a message.
public struct DeviceTemplate: Sendable {
    public let templateType: DeviceTemplateType
    /// The measurement type this template produces.
    public let typeName: String
    public let typeMatchExpression: TemplateExpression
    public let deviceIdExpression: TemplateExpression
    /// Tried in order; the first non-null result is the timestamp (IoT Hub has a fallback).
    public let timestampExpressions: [TemplateExpression]
    public let patientIdExpression: TemplateExpression?
    public let encounterIdExpression: TemplateExpression?
    public let correlationIdExpression: TemplateExpression?
    public let values: [ValueTemplate]
}

/// A validated device mapping (`CollectionContent`): its templates in document order.
public struct DeviceMapping: Sendable {
    public let templates: [DeviceTemplate]

    /// Parses and validates a device mapping document, compiling every expression; throws every
    /// problem found, each with its line and column.
    public static func parse(_ bytes: [UInt8]) throws(DeviceMappingErrors) -> DeviceMapping {
        try DeviceMappingParser.parse(bytes)
    }

    /// Parses and validates a device mapping given as text.
    public static func parse(_ text: String) throws(DeviceMappingErrors) -> DeviceMapping {
        try parse(Array(text.utf8))
    }
}
