import FHIRCore
import Foundation

/// Builds AuditEvent resources shaped per the IHE Basic Audit Log Patterns (BALP): a `rest`
/// event with the FHIR interaction as subtype, the action, the outcome from the HTTP status,
/// the requesting agent, this server as source, and the entities (resources, patients, query).
public enum AuditEventBuilder {
    static let serverName = "Vesta"
    static let userAgentExtension = "https://vesta.dev/fhir/StructureDefinition/user-agent"
    static let operationSystem = "https://vesta.dev/fhir/CodeSystem/operation"

    /// - Parameters:
    ///   - id: the AuditEvent's id.
    ///   - status: the HTTP status of the interaction (2xx/3xx success, 4xx minor, 5xx serious failure).
    public static func event(
        id: String, interaction: AuditInteraction, status: Int, agent: AuditAgent, entities: AuditEntities, recorded: FHIRInstant
    ) -> JSONObject {
        var subtypes: [JSONValue] = [coding("http://hl7.org/fhir/restful-interaction", interaction.restfulCode)]
        if case .operation(let name) = interaction { subtypes.append(coding(operationSystem, name)) }
        var event: JSONObject = [
            "resourceType": "AuditEvent",
            "id": .string(id),
            "type": coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"),
            "subtype": .array(subtypes),
            "action": .string(interaction.action),
            "recorded": .string(recorded.fhirString),
            "outcome": .string(outcome(status: status)),
            "outcomeDesc": .string("HTTP \(status)"),
            "agent": [agentElement(agent)],
            "source": sourceElement,
        ]
        let entityElements = entityElements(entities)
        if !entityElements.isEmpty { event["entity"] = .array(entityElements) }
        return event
    }

    /// This server as the audit source.
    static let sourceElement: JSONValue = [
        "site": .string(serverName),
        "observer": ["display": .string(serverName)],
        "type": [coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
    ]

    /// `0` success, `4` minor failure (the client's), `8` serious failure (the server's).
    static func outcome(status: Int) -> String {
        switch status {
        case ..<400: "0"
        case 400..<500: "4"
        default: "8"
        }
    }

    static func agentElement(_ agent: AuditAgent) -> JSONValue {
        var element: JSONObject = [
            "type": ["coding": [coding("http://dicom.nema.org/resources/ontology/DCM", "110153", "Source Role ID")]],
            "who": ["identifier": ["value": .string(agent.userID)]],
            "altId": .string(agent.userID),
            "requestor": true,
        ]
        if !agent.scopes.isEmpty { element["role"] = .array(agent.scopes.map { ["text": .string($0)] }) }
        if let address = agent.address { element["network"] = ["address": .string(address), "type": "2"] }
        if let userAgent = agent.userAgent {
            element["extension"] = [["url": .string(userAgentExtension), "valueString": .string(userAgent)]]
        }
        return .object(element)
    }

    private static func entityElements(_ entities: AuditEntities) -> [JSONValue] {
        let entityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
        let role = "http://terminology.hl7.org/CodeSystem/object-role"
        var elements: [JSONValue] = entities.resources.map { reference in
            ["what": ["reference": .string(reference)], "type": coding(entityType, "2", "System Object"),
             "role": coding(role, "4", "Domain Resource")]
        }
        elements += entities.patients.map { reference in
            ["what": ["reference": .string(reference)], "type": coding(entityType, "1", "Person"), "role": coding(role, "1", "Patient")]
        }
        if let query = entities.query {
            elements.append(["type": coding(entityType, "2", "System Object"), "role": coding(role, "24", "Query"),
                             "query": .string(Data(query.utf8).base64EncodedString())])
        }
        return elements
    }

    static func coding(_ system: String, _ code: String, _ display: String? = nil) -> JSONValue {
        var coding: JSONObject = ["system": .string(system), "code": .string(code)]
        if let display { coding["display"] = .string(display) }
        return .object(coding)
    }
}

extension AuditEventBuilder {
    /// A refused request (BALP security events): a failed authentication (401) is a DICOM
    /// "User Authentication" / "Login" event, a request outside the caller's rights (403) a
    /// "Security Alert"; the outcome says why and what was asked.
    public static func accessFailure(
        id: String, status: Int, agent: AuditAgent, reason: String, request: String, recorded: FHIRInstant
    ) -> JSONObject {
        let dicom = "http://dicom.nema.org/resources/ontology/DCM"
        let isAuthentication = status == 401
        var event: JSONObject = [
            "resourceType": "AuditEvent",
            "id": .string(id),
            "type": isAuthentication ? coding(dicom, "110114", "User Authentication") : coding(dicom, "110113", "Security Alert"),
            "action": "E",
            "recorded": .string(recorded.fhirString),
            "outcome": .string(outcome(status: status)),
            "outcomeDesc": .string("HTTP \(status): \(reason)"),
            "agent": [agentElement(agent)],
            "source": sourceElement,
            "entity": [["type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
                        "what": ["display": .string(request)]]],
        ]
        if isAuthentication { event["subtype"] = [coding(dicom, "110122", "Login")] }
        return event
    }
}
