import FHIRCore

/// What applying a mapping to one message produced, template by template, up to any failure.
struct NormalizationTrace {
    /// How many times each template's `typeMatchExpression` matched (templates reached only).
    var matchCounts: [Int] = []
    /// Measurements in output order, with the index of the template that produced each.
    var produced: [(templateIndex: Int, measurement: Measurement)] = []
    /// The error that stopped the message, if any.
    var failure: NormalizationError?
}

extension DeviceMapping {
    /// Applies every template to `event` (SPEC §1.4): measurements in template order, then match
    /// order. Any error fails the whole message.
    public func normalize(_ event: DeviceEvent) throws(NormalizationError) -> [Measurement] {
        let trace = trace(event)
        if let failure = trace.failure { throw failure }
        return trace.produced.map(\.measurement)
    }

    /// Normalizes a raw device message, wrapped as the body of an envelope without properties.
    public func normalize(message: JSONValue, ingestionTime: FHIRInstant? = nil) throws(NormalizationError) -> [Measurement] {
        try normalize(DeviceEvent(body: message, enqueuedTime: ingestionTime))
    }

    /// Normalizes, stopping at the first error but keeping what came before it.
    func trace(_ event: DeviceEvent) -> NormalizationTrace {
        let envelope = event.envelope
        var trace = NormalizationTrace()
        for (index, template) in templates.enumerated() {
            let extractor = MeasurementExtractor(template: template, templateIndex: index)
            let matches: [JSONValue]
            do throws(TemplateExpression.Failure) {
                matches = try template.typeMatchExpression.matches(in: .object(envelope))
            } catch {
                trace.matchCounts.append(0)
                trace.failure = NormalizationError(
                    kind: .evaluationFailed(error.reason), templateIndex: index, typeName: template.typeName,
                    field: "TypeMatchExpression", expression: template.typeMatchExpression.text)
                return trace
            }
            trace.matchCounts.append(matches.count)
            for match in matches {
                var scope = match
                if template.templateType.evaluatesAgainstEnvelope {
                    var withMatch = envelope
                    withMatch["matchedToken"] = match
                    scope = .object(withMatch)
                }
                do throws(NormalizationError) {
                    let measurement = try extractor.measurement(in: scope, ingestionTime: event.enqueuedTime)
                    trace.produced.append((index, measurement))
                } catch {
                    trace.failure = error
                    return trace
                }
            }
        }
        return trace
    }
}
