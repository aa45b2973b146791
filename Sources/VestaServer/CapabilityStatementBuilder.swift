import FHIRCore
import FHIRDefinitions

/// Builds the server's `CapabilityStatement` from what it really supports: every resource type
/// of the definitions, with the interactions the REST API implements. Search parameters are
/// listed once search exists.
enum CapabilityStatementBuilder {
    static func build(definitions: FHIRDefinitions, configuration: ServerConfiguration, startedAt: FHIRInstant) -> JSONValue {
        let interactions: [JSONValue] = ["read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create"]
            .map { ["code": .string($0)] }
        let validateOperation: JSONValue = [
            "name": "validate", "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
        ]
        let resources: [JSONValue] = definitions.resourceTypes.map { type in
            [
                "type": .string(type),
                "interaction": .array(interactions),
                "versioning": "versioned-update",
                "readHistory": true,
                "updateCreate": true,
                "conditionalCreate": false,
                "conditionalRead": "modified-since",
                "conditionalUpdate": false,
                "conditionalDelete": "not-supported",
                "operation": [validateOperation],
            ]
        }
        var statement: JSONObject = [
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": .string(startedAt.fhirString),
            "publisher": "Vesta",
            "kind": "instance",
            "software": ["name": "Vesta", "version": .string(configuration.softwareVersion)],
            "fhirVersion": .string(definitions.fhirVersion),
            "format": ["application/fhir+json", "json"],
            "patchFormat": ["application/json-patch+json"],
        ]
        var implementation: JSONObject = ["description": "Vesta FHIR R4 server"]
        if let baseURL = configuration.baseURL { implementation["url"] = .string(baseURL) }
        statement["implementation"] = .object(implementation)
        statement["rest"] = [[
            "mode": "server",
            "resource": .array(resources),
            "interaction": [["code": "history-system"]],
        ]]
        return .object(statement)
    }
}
