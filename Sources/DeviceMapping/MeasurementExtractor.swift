import FHIRCore

/// Builds the measurement for one template match (SPEC §1.4 steps 3–7).
struct MeasurementExtractor {
    let template: DeviceTemplate
    let templateIndex: Int

    /// `scope` is what the expressions run against: the envelope plus `matchedToken` for
    /// `CalculatedContent`, the matched token itself for the JSONPath templates.
    func measurement(in scope: JSONValue, ingestionTime: FHIRInstant?) throws(NormalizationError) -> Measurement {
        let deviceId = try required(template.deviceIdExpression, field: "DeviceIdExpression", in: scope)
        let occurrence = try timestamp(in: scope)
        let patientId = try optional(template.patientIdExpression, field: "PatientIdExpression", in: scope)
        let encounterId = try optional(template.encounterIdExpression, field: "EncounterIdExpression", in: scope)
        var correlationId: String?
        if let expression = template.correlationIdExpression {  // optional expression, required value
            correlationId = try required(expression, field: "CorrelationIdExpression", in: scope)
        }
        var properties: [MeasurementProperty] = []
        for value in template.values {
            let text = value.required
                ? try required(value.valueExpression, field: value.valueName, in: scope)
                : try optional(value.valueExpression, field: value.valueName, in: scope)
            if let text { properties.append(MeasurementProperty(name: value.valueName, value: text)) }
        }
        return Measurement(
            type: template.typeName, occurrenceTimeUtc: occurrence, ingestionTimeUtc: ingestionTime, deviceId: deviceId,
            patientId: patientId, encounterId: encounterId, correlationId: correlationId, properties: properties)
    }

    /// The first timestamp expression with a non-null result, read as a date-time (SPEC §1.6).
    private func timestamp(in scope: JSONValue) throws(NormalizationError) -> FHIRInstant {
        let field = "TimestampExpression"
        for expression in template.timestampExpressions {
            guard let value = try single(expression, field: field, in: scope) else { continue }
            guard case .string(let text) = value else {
                throw failure(.invalidTimestamp(found: JSONWriter.string(value)), field: field, expression: expression)
            }
            guard let instant = TimestampParser.instant(text) else {
                throw failure(.invalidTimestamp(found: text), field: field, expression: expression)
            }
            return instant
        }
        let expression = template.timestampExpressions.map(\.text).joined(separator: ", then ")
        throw NormalizationError(
            kind: .missingRequiredValue, templateIndex: templateIndex, typeName: template.typeName, field: field,
            expression: expression)
    }

    private func required(_ expression: TemplateExpression, field: String, in scope: JSONValue) throws(NormalizationError) -> String {
        guard let text = try optional(expression, field: field, in: scope) else {
            throw failure(.missingRequiredValue, field: field, expression: expression)
        }
        return text
    }

    /// The result as a string; `nil` when absent, `null`, blank, or an object or array.
    private func optional(_ expression: TemplateExpression?, field: String, in scope: JSONValue) throws(NormalizationError) -> String? {
        guard let expression, let value = try single(expression, field: field, in: scope),
              let text = DotNetText.render(value), !text.allSatisfy(\.isWhitespace)
        else { return nil }
        return text
    }

    private func single(_ expression: TemplateExpression, field: String, in scope: JSONValue) throws(NormalizationError) -> JSONValue? {
        do throws(TemplateExpression.Failure) {
            return try expression.single(in: scope)
        } catch {
            switch error {
            case .multipleResults: throw failure(.multipleResults, field: field, expression: expression)
            case .evaluation(let reason): throw failure(.evaluationFailed(reason), field: field, expression: expression)
            }
        }
    }

    private func failure(_ kind: NormalizationError.Kind, field: String, expression: TemplateExpression) -> NormalizationError {
        NormalizationError(kind: kind, templateIndex: templateIndex, typeName: template.typeName, field: field,
                           expression: expression.text)
    }
}
