import FHIRCore

/// Renders a value template and its readings as a FHIR `value[x]` (SPEC §3.3–§3.4).
enum ValueRenderer {
    /// The `value<Type>` member name and its value for new readings over `window`.
    static func render(
        _ template: FHIRValueTemplate, readings: [TimedValue], window: ObservationWindow
    ) throws(ObservationError) -> (key: String, value: JSONValue) {
        let key = "value" + template.fhirType
        switch template {
        case .sampledData(_, let period, let ticks, let unit):
            var origin: JSONObject = ["value": 0]
            origin["unit"] = unit.map(JSONValue.string)
            let data = SampledDataCodec.encode(readings, window: window, periodTicks: ticks)
            return (key, ["origin": .object(origin), "period": .number(period), "dimensions": 1, "data": .string(data)])
        case .quantity(let name, let unit, let code, let system):
            let reading = try single(readings, name)
            guard let lexeme = DecimalText.jsonLexeme(reading) else { throw .invalidQuantity(reading) }
            var quantity: JSONObject = ["value": .number(lexeme)]
            quantity["unit"] = unit.map(JSONValue.string)
            quantity["system"] = system.map(JSONValue.string)
            quantity["code"] = code.map(JSONValue.string)
            return (key, .object(quantity))
        case .string(let name):
            return (key, .string(try single(readings, name)))
        case .codeableConcept(_, let text, let codes):
            return (key, codeableConcept(text: text, codes: codes, extra: nil))
        }
    }

    /// `{coding, text}` from template codes plus an optional trailing coding.
    static func codeableConcept(text: String?, codes: [FHIRCodeTemplate], extra: FHIRCodeTemplate?) -> JSONValue {
        var concept: JSONObject = [:]
        let all = codes + (extra.map { [$0] } ?? [])
        if !all.isEmpty { concept["coding"] = .array(all.map(coding)) }
        concept["text"] = text.map(JSONValue.string)
        return .object(concept)
    }

    static func coding(_ code: FHIRCodeTemplate) -> JSONValue {
        var coding: JSONObject = [:]
        coding["system"] = code.system.map(JSONValue.string)
        coding["code"] = .string(code.code)
        coding["display"] = code.display.map(JSONValue.string)
        return .object(coding)
    }

    private static func single(_ readings: [TimedValue], _ name: String) throws(ObservationError) -> String {
        guard readings.count == 1, let only = readings.first else {
            throw .expectedOneValue(valueName: name, received: readings.count)
        }
        return only.value
    }
}
