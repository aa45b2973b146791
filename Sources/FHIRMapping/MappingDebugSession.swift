import DeviceMapping
import FHIRCore

/// One run of the whole mapping debugger (SPEC §6), shared by `POST /mappings/debug` and
/// `vesta mappings test`: the device mapping applied to each message and, when a FHIR mapping
/// is given, the Observations the measurements would produce (placeholder references, no
/// identity look-up, no writes).
public struct MappingDebugSession: Sendable {
    private let deviceMapping: [UInt8]
    private let fhirMapping: FHIRMapping?
    private let fhirMappingErrors: [FHIRMappingError]

    /// Mappings as JSON text, so template errors point into the caller's own file.
    public init(deviceMapping: [UInt8], fhirMapping: [UInt8]?) {
        self.deviceMapping = deviceMapping
        var parsed: FHIRMapping?
        var errors: [FHIRMappingError] = []
        if let fhirMapping {
            do {
                parsed = try FHIRMapping.parse(fhirMapping)
            } catch {
                errors = error.errors
            }
        }
        self.fhirMapping = parsed
        self.fhirMappingErrors = errors
    }

    /// Whether every mapping parsed.
    public var mappingsAreValid: Bool { fhirMappingErrors.isEmpty }

    /// The FHIR mapping's errors, each with its line and column.
    public var fhirMappingErrorsJSON: JSONValue? {
        guard !fhirMappingErrors.isEmpty else { return nil }
        return .array(fhirMappingErrors.map { error in
            ["message": .string(error.message), "line": .number(String(error.location.line)),
             "column": .number(String(error.location.column)), "pointer": .string(error.pointer)]
        })
    }

    /// The debugger's answer for one message: the device-mapping result plus, with a valid FHIR
    /// mapping, `observations` and `fhirWarnings`. `succeeded` is false when anything failed.
    public func run(message: [UInt8]) -> (json: JSONValue, succeeded: Bool) {
        let result = MappingDebugger.run(deviceMapping: deviceMapping, message: message)
        guard var object = result.jsonValue.objectValue else { return (result.jsonValue, false) }
        let normalized = object["status"] == "normalized"
        if let fhirMapping, case .evaluated(let run) = result {
            let produced = FHIRMappingDebugger.observations(for: run.measurements, mapping: fhirMapping)
            object["observations"] = .array(produced.observations)
            object["fhirWarnings"] = .array(produced.warnings.map(JSONValue.string))
        }
        return (.object(object), normalized && mappingsAreValid)
    }
}
