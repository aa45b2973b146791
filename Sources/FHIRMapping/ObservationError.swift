/// Why readings could not be turned into or merged with an Observation (SPEC §2.3, §3.4, §3.5).
public enum ObservationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `periodInterval -1` but the measurements have no correlation id.
    case correlationIdNotDefined(type: String)
    /// A Quantity or String value got other than one reading.
    case expectedOneValue(valueName: String, received: Int)
    /// A Quantity reading that is not a plain decimal.
    case invalidQuantity(String)
    /// The existing Observation holds the value as another FHIR type.
    case valueTypeMismatch(element: String, expected: String)
    /// The existing SampledData has more than one dimension, or unreadable data or period.
    case unsupportedSampledData(String)
    /// The existing Observation is not an Observation object.
    case notAnObservation

    public var description: String {
        switch self {
        case .correlationIdNotDefined(let type): "No correlation id is defined for measurements of type '\(type)'."
        case .expectedOneValue(let name, let received): "Expected 1 value. Received \(received). (\(name))"
        case .invalidQuantity(let value): "Error encountered processing value: \(value)."
        case .valueTypeMismatch(let element, let expected): "Element \(element) expected to be of type \(expected)."
        case .unsupportedSampledData(let reason): "SampledData is not supported: \(reason)."
        case .notAnObservation: "The existing resource is not an Observation."
        }
    }
}
