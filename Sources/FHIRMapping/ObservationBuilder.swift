import FHIRCore

/// Builds a new Observation from an observation group and its template (SPEC §3.2).
public enum ObservationBuilder {
    /// The Observation for `group`, with `issued` as its creation time.
    public static func create(
        _ group: ObservationGroup, template: CodeValueFHIRTemplate, identities: ResolvedIdentities, issued: FHIRInstant
    ) throws(ObservationError) -> JSONValue {
        let identifier = ObservationIdentity.identifierValue(group, identities: identities)
        var observation: JSONObject = [
            "resourceType": "Observation",
            "id": .string(ObservationIdentity.id(identifierValue: identifier)),
            "identifier": [["system": .string(ObservationIdentity.system), "value": .string(identifier)]],
            "status": "final",
        ]
        observation["category"] = category(template)
        observation["code"] = ValueRenderer.codeableConcept(
            text: group.type, codes: template.codes, extra: serviceCoding(group.type))
        observation["subject"] = identities.patientId.map { ["reference": .string("Patient/" + $0)] }
        observation["device"] = ["reference": .string("Device/" + identities.deviceId)]
        observation["encounter"] = identities.encounterId.map { ["reference": .string("Encounter/" + $0)] }
        observation["effectivePeriod"] = period(group.window)
        observation["issued"] = .string(issued.fhirString)
        if let value = template.value, let readings = group.values[value.valueName] {
            let rendered = try ValueRenderer.render(value, readings: readings, window: group.window)
            observation[rendered.key] = rendered.value
        }
        var components: [JSONValue] = []
        for component in template.components {
            guard let readings = group.values[component.value.valueName] else { continue }
            components.append(try self.component(component, readings: readings, window: group.window))
        }
        if !components.isEmpty { observation["component"] = .array(components) }
        return .object(observation)
    }

    /// The template's category as Observation.category, or `nil` when it has none.
    static func category(_ template: CodeValueFHIRTemplate) -> JSONValue? {
        template.category.isEmpty ? nil : .array(template.category.map {
            ValueRenderer.codeableConcept(text: $0.text, codes: $0.codes, extra: nil)
        })
    }

    /// `{system: <service system>, code: name, display: name}`.
    static func serviceCoding(_ name: String) -> FHIRCodeTemplate {
        FHIRCodeTemplate(code: name, system: ObservationIdentity.system, display: name)
    }

    static func period(_ window: ObservationWindow) -> JSONValue {
        ["start": .string(window.startText), "end": .string(window.endText)]
    }

    static func component(
        _ component: FHIRComponentTemplate, readings: [TimedValue], window: ObservationWindow
    ) throws(ObservationError) -> JSONValue {
        let name = component.value.valueName
        let rendered = try ValueRenderer.render(component.value, readings: readings, window: window)
        var object: JSONObject = ["code": ValueRenderer.codeableConcept(text: name, codes: component.codes, extra: serviceCoding(name))]
        object[rendered.key] = rendered.value
        return .object(object)
    }
}
