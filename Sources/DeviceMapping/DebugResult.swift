import FHIRCore

/// What the mapping debugger found (SPEC §6): mapping errors, an unreadable message, or the
/// measurements each matching template produced and the error that stopped the message.
public enum DebugResult: Sendable {
    /// The device mapping is invalid; nothing was evaluated.
    case invalidMapping([DeviceMappingError])
    /// The test message is not JSON (MedTech `InvalidDataFormatException`).
    case invalidMessage(reason: String, location: TextLocation)
    /// The mapping ran against the message.
    case evaluated(DebugRun)

    /// The response document, e.g. for an HTTP endpoint. `status` is `invalidMapping` (with
    /// `templateErrors`), `invalidMessage` (with `messageError`), or `normalized` / `failed`
    /// (with `templates`, `measurements`, `errors`, `warnings` and the evaluated `envelope`).
    public var jsonValue: JSONValue {
        switch self {
        case .invalidMapping(let errors):
            return ["status": "invalidMapping", "templateErrors": .array(errors.map(Self.json))]
        case .invalidMessage(let reason, let location):
            return ["status": "invalidMessage", "messageError": [
                "exception": "InvalidDataFormatException", "message": .string(reason),
                "line": .number(String(location.line)), "column": .number(String(location.column)),
            ]]
        case .evaluated(let run):
            return run.jsonValue
        }
    }

    private static func json(_ error: DeviceMappingError) -> JSONValue {
        [
            "code": .string(error.code), "message": .string(error.message), "level": "ERROR", "category": "NORMALIZATION",
            "line": .number(String(error.location.line)), "column": .number(String(error.location.column)),
            "pointer": .string(error.pointer.text),
        ]
    }
}

/// One evaluation of a valid mapping against one message.
public struct DebugRun: Sendable {
    /// The templates whose `typeMatchExpression` matched, in mapping order.
    public let templates: [MatchedTemplate]
    /// The error that stopped the message; measurements before it are still listed.
    public let error: NormalizationError?
    /// The envelope the expressions ran against.
    public let envelope: JSONObject

    /// A template that matched, with what it produced.
    public struct MatchedTemplate: Sendable {
        public let index: Int
        public let templateType: DeviceTemplateType
        public let typeName: String
        public let matchCount: Int
        public let measurements: [Measurement]
    }

    /// Every measurement produced, in output order.
    public var measurements: [Measurement] { templates.flatMap(\.measurements) }

    /// Advice that is not an error (MedTech's wording).
    public var warnings: [String] {
        error == nil && measurements.isEmpty ? ["No measurements were produced for the given device data."] : []
    }

    var jsonValue: JSONValue {
        var object: JSONObject = ["status": error == nil ? "normalized" : "failed"]
        object["templates"] = .array(templates.map { template in
            [
                "index": .number(String(template.index)), "templateType": .string(template.templateType.rawValue),
                "typeName": .string(template.typeName), "matches": .number(String(template.matchCount)),
                "measurements": .array(template.measurements.map(\.jsonValue)),
            ]
        })
        object["measurements"] = .array(measurements.map(\.jsonValue))
        object["errors"] = .array(error.map { [Self.json($0)] } ?? [])
        object["warnings"] = .array(warnings.map(JSONValue.string))
        object["envelope"] = .object(envelope)
        return .object(object)
    }

    private static func json(_ error: NormalizationError) -> JSONValue {
        [
            "exception": .string(error.exceptionName), "code": .string(error.code), "message": .string(error.message),
            "level": "ERROR", "category": "NORMALIZATION", "templateIndex": .number(String(error.templateIndex)),
            "typeName": .string(error.typeName), "field": .string(error.field), "expression": .string(error.expression),
        ]
    }
}
