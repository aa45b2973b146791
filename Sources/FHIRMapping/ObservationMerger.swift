import FHIRCore

/// Merges new readings into an existing Observation (SPEC §3.5).
public enum ObservationMerger {
    /// `existing` updated with `group`: category replaced, values merged (SampledData by time,
    /// new wins; other types replaced), components merged or appended, effective period widened,
    /// status `amended`. Returns `nil` when nothing would change (no write needed).
    public static func merge(
        _ existing: JSONValue, with group: ObservationGroup, template: CodeValueFHIRTemplate
    ) throws(ObservationError) -> JSONValue? {
        guard case .object(let original) = existing, original["resourceType"] == "Observation" else {
            throw .notAnObservation
        }
        var observation = original
        let current = effectiveWindow(original) ?? group.window
        let merged = ObservationWindow(start: min(current.start, group.window.start), end: max(current.end, group.window.end))
        observation["category"] = ObservationBuilder.category(template)
        if let value = template.value, let readings = group.values[value.valueName] {
            try mergeValue(value, readings: readings, into: &observation, current: current, merged: merged, element: "Observation")
        }
        var components = observation["component"]?.arrayValue ?? []
        for component in template.components {
            guard let readings = group.values[component.value.valueName] else { continue }
            let name = component.value.valueName
            guard let index = components.firstIndex(where: { isComponent($0, named: name) }),
                  case .object(var existingComponent) = components[index]
            else {
                components.append(try ObservationBuilder.component(component, readings: readings, window: merged))
                continue
            }
            try mergeValue(component.value, readings: readings, into: &existingComponent, current: current, merged: merged,
                           element: "Observation.component")
            components[index] = .object(existingComponent)
        }
        if !components.isEmpty { observation["component"] = .array(components) }
        if merged != current {
            observation["effectiveDateTime"] = nil
            observation["effectivePeriod"] = ObservationBuilder.period(merged)
        }
        guard observation != original else { return nil }
        observation["status"] = "amended"
        return .object(observation)
    }

    /// The existing effectivePeriod, or effectiveDateTime as [t, t].
    static func effectiveWindow(_ observation: JSONObject) -> ObservationWindow? {
        if let period = observation["effectivePeriod"],
           let start = period["start"]?.stringValue.flatMap(UTCTicks.parse),
           let end = period["end"]?.stringValue.flatMap(UTCTicks.parse) {
            return ObservationWindow(start: start, end: end)
        }
        guard let instant = observation["effectiveDateTime"]?.stringValue.flatMap(UTCTicks.parse) else { return nil }
        return ObservationWindow(start: instant, end: instant)
    }

    private static func isComponent(_ component: JSONValue, named name: String) -> Bool {
        component["code"]?["coding"]?.arrayValue?.contains {
            $0["system"]?.stringValue == ObservationIdentity.system && $0["code"]?.stringValue == name
        } ?? false
    }

    /// Merges one value[x] inside `object` (the Observation or a component).
    private static func mergeValue(
        _ template: FHIRValueTemplate, readings: [TimedValue], into object: inout JSONObject,
        current: ObservationWindow, merged: ObservationWindow, element: String
    ) throws(ObservationError) {
        let key = "value" + template.fhirType
        if let other = object.keys.first(where: { $0.hasPrefix("value") && $0 != key }) {
            throw .valueTypeMismatch(element: "\(element).\(other)", expected: template.fhirType)
        }
        guard case .sampledData(_, _, let periodTicks, _) = template, case .object(var sampled)? = object[key] else {
            object[key] = try ValueRenderer.render(template, readings: readings, window: merged).value
            return
        }
        if let dimensions = sampled["dimensions"]?.numberLexeme, dimensions != "1" {
            throw .unsupportedSampledData("dimensions \(dimensions)")
        }
        sampled["data"] = .string(SampledDataCodec.merge(sampled["data"]?.stringValue ?? "", start: current.start, with: readings,
                                                         window: merged, periodTicks: periodTicks))
        object[key] = .object(sampled)
    }
}
