/// How measurements are split into Observations by time (SPEC §2.3).
public enum PeriodInterval: Int, Sendable, Hashable, CaseIterable {
    /// One Observation per measurement group (session), keyed by its correlation id.
    case correlationId = -1
    /// One Observation per distinct reading time.
    case single = 0
    /// One Observation per UTC clock hour.
    case hourly = 60
    /// One Observation per UTC calendar day.
    case daily = 1440

    /// The OSS enum name, which the mapping may use instead of the number.
    var enumName: String {
        switch self {
        case .correlationId: "CorrelationId"
        case .single: "Single"
        case .hourly: "Hourly"
        case .daily: "Daily"
        }
    }
}

/// A template coding `{code, system, display}`.
public struct FHIRCodeTemplate: Sendable, Hashable {
    public let code: String
    public let system: String?
    public let display: String?

    public init(code: String, system: String? = nil, display: String? = nil) {
        self.code = code
        self.system = system
        self.display = display
    }
}

/// A template `category` entry: one CodeableConcept of Observation.category.
public struct FHIRCategoryTemplate: Sendable, Hashable {
    public let text: String?
    public let codes: [FHIRCodeTemplate]

    public init(text: String?, codes: [FHIRCodeTemplate]) {
        self.text = text
        self.codes = codes
    }
}

/// How a measurement value becomes an Observation `value[x]` (SPEC §3.1, §3.3–§3.4).
public enum FHIRValueTemplate: Sendable, Hashable {
    /// `valueSampledData`; `defaultPeriod` is the JSON lexeme (milliseconds), `periodTicks` the
    /// same in 100 ns ticks.
    case sampledData(valueName: String, defaultPeriod: String, periodTicks: Int64, unit: String?)
    /// `valueQuantity` from exactly one reading.
    case quantity(valueName: String, unit: String?, code: String?, system: String?)
    /// `valueString` from exactly one reading.
    case string(valueName: String)
    /// `valueCodeableConcept` from the template; the reading only has to exist.
    case codeableConcept(valueName: String, text: String?, codes: [FHIRCodeTemplate])

    /// The measurement property this value reads.
    public var valueName: String {
        switch self {
        case .sampledData(let name, _, _, _), .quantity(let name, _, _, _), .string(let name), .codeableConcept(let name, _, _):
            name
        }
    }

    /// The FHIR choice-type suffix, e.g. `SampledData` for `valueSampledData`.
    var fhirType: String {
        switch self {
        case .sampledData: "SampledData"
        case .quantity: "Quantity"
        case .string: "String"
        case .codeableConcept: "CodeableConcept"
        }
    }
}

/// A template `components[]` entry.
public struct FHIRComponentTemplate: Sendable, Hashable {
    public let codes: [FHIRCodeTemplate]
    public let value: FHIRValueTemplate
}

/// One `CodeValueFhir` template: how measurements of `typeName` become Observations.
public struct CodeValueFHIRTemplate: Sendable, Hashable {
    public let typeName: String
    public let periodInterval: PeriodInterval
    public let codes: [FHIRCodeTemplate]
    public let category: [FHIRCategoryTemplate]
    public let value: FHIRValueTemplate?
    public let components: [FHIRComponentTemplate]

    /// Every measurement property name the template reads.
    public var valueNames: [String] { (value.map { [$0.valueName] } ?? []) + components.map(\.value.valueName) }
}

/// A parsed `CollectionFhir` FHIR destination mapping (SPEC §3.1).
public struct FHIRMapping: Sendable {
    /// The templates in document order.
    public let templates: [CodeValueFHIRTemplate]

    /// Parses and strictly validates a mapping, reporting every problem with its position.
    public static func parse(_ bytes: [UInt8]) throws(FHIRMappingErrors) -> FHIRMapping {
        FHIRMapping(templates: try FHIRMappingParser.parse(bytes))
    }

    /// Parses a mapping given as text.
    public static func parse(_ text: String) throws(FHIRMappingErrors) -> FHIRMapping {
        try parse(Array(text.utf8))
    }

    /// The template for a measurement type, matched case-insensitively.
    public func template(for type: String) -> CodeValueFHIRTemplate? {
        let lowered = type.lowercased()
        return templates.first { $0.typeName.lowercased() == lowered }
    }
}
