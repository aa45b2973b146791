import FHIRCore
import FHIRDefinitions
import FHIRSearch

/// Builds the server's `CapabilityStatement` from what it really supports: every resource type
/// of the definitions with the interactions, conditional operations, search parameters and
/// operations the REST API implements, the system interactions, and how requests are secured.
enum CapabilityStatementBuilder {
    /// What the statement is built from.
    struct Facts {
        let definitions: FHIRDefinitions
        let registry: SearchParameterRegistry
        let configuration: ServerConfiguration
        /// Whether requests need a bearer token (`--jwks` or `--jwt-hs256-secret`).
        let requiresToken: Bool
    }

    static func build(_ facts: Facts, startedAt: FHIRInstant) -> JSONValue {
        let resources: [JSONValue] = facts.definitions.resourceTypes.map { resource($0, facts: facts) }
        var statement: JSONObject = [
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": .string(startedAt.fhirString),
            "publisher": "Vesta",
            "kind": "instance",
            "software": ["name": "Vesta", "version": .string(facts.configuration.softwareVersion)],
            "fhirVersion": .string(facts.definitions.fhirVersion),
            "format": ["application/fhir+json", "json"],
            "patchFormat": ["application/json-patch+json", "application/merge-patch+json"],
        ]
        var implementation: JSONObject = ["description": "Vesta FHIR R4 server"]
        if let baseURL = facts.configuration.baseURL { implementation["url"] = .string(baseURL) }
        statement["implementation"] = .object(implementation)
        var rest: JSONObject = [
            "mode": "server",
            "resource": .array(resources),
            "interaction": .array(["transaction", "batch", "search-system", "history-system"].map { ["code": .string($0)] }),
        ]
        if let security = security(facts) { rest["security"] = security }
        statement["rest"] = [.object(rest)]
        return .object(statement)
    }

    /// One type's entry. AuditEvents are written by the server only: clients read and search them.
    static func resource(_ type: String, facts: Facts) -> JSONValue {
        let appendOnly = type == "AuditEvent"
        let interactions = appendOnly
            ? ["read", "vread", "search-type", "history-instance", "history-type"]
            : ["read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create", "search-type"]
        let parameters = facts.registry.parameters(for: type).filter { $0.expression != nil && $0.type != .special }
        var entry: JSONObject = [
            "type": .string(type),
            "interaction": .array(interactions.map { ["code": .string($0)] }),
            "versioning": "versioned-update",
            "readHistory": true,
            "updateCreate": .bool(!appendOnly),
            "conditionalCreate": .bool(!appendOnly),
            "conditionalRead": "full-support",
            "conditionalUpdate": .bool(!appendOnly),
            "conditionalDelete": appendOnly ? "not-supported" : "single",
            "searchInclude": .array((["*"] + parameters.filter { $0.type == .reference }.map { "\(type):\($0.code)" }).map { .string($0) }),
            "searchRevInclude": ["*"],
            "searchParam": .array(parameters.map { parameter in
                ["name": .string(parameter.code), "definition": .string(parameter.url), "type": .string(parameter.type.rawValue)]
            }),
            "operation": .array(operations(for: type).map { name, definition in
                ["name": .string(name), "definition": .string("http://hl7.org/fhir/OperationDefinition/\(definition)")]
            }),
        ]
        if appendOnly { entry["documentation"] = "Written by the server (one record per interaction); create, update, patch and delete answer 405." }
        return .object(entry)
    }

    /// The operations a type offers: `$validate` on every type, and the type's own.
    static func operations(for type: String) -> [(name: String, definition: String)] {
        var operations = [("validate", "Resource-validate")]
        switch type {
        case "Patient": operations.append(("everything", "Patient-everything"))
        case "Observation": operations.append(("lastn", "Observation-lastn"))
        default: break
        }
        return operations
    }

    /// SMART on FHIR when tokens are required: the service coding and the authorization
    /// server's endpoints (as `/.well-known/smart-configuration` announces them).
    static func security(_ facts: Facts) -> JSONValue? {
        var security: JSONObject = [:]
        if facts.configuration.corsOrigin != nil { security["cors"] = true }
        guard facts.requiresToken else { return security.isEmpty ? nil : .object(security) }
        security["service"] = [[
            "coding": [["system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"]],
        ]]
        security["description"] = "Bearer tokens (JWT) with SMART v1 or v2 scopes; device keys (Bearer vdk_…) for POST /ingest."
        let smart = facts.configuration.smart
        let endpoints: [JSONValue] = [("authorize", smart.authorizationEndpoint), ("token", smart.tokenEndpoint)].compactMap { name, url in
            url.map { ["url": .string(name), "valueUri": .string($0)] }
        }
        if !endpoints.isEmpty {
            security["extension"] = [[
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": .array(endpoints),
            ]]
        }
        return .object(security)
    }
}
