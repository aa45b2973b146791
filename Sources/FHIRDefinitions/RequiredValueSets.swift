import FHIRCore

/// The codes of one value set that R4 binds with strength `required`.
struct ValueSetCodes: Sendable {
    /// Every code, whatever its system (for `code` elements).
    let codes: Set<String>
    /// Codes by code system (for `Coding` and `CodeableConcept` elements).
    let codesBySystem: [String: Set<String>]
}

/// A required binding, resolved against the expanded value sets at load time.
struct RequiredBinding: Sendable {
    /// The data type of the bound element; decides where the codes are found.
    enum Target: Sendable {
        case code, coding, codeableConcept
    }

    let target: Target
    /// The value set URL without a `|version` suffix.
    let valueSet: String
    let codes: ValueSetCodes
}

/// `required-valuesets.json`: value set URL → its codes.
struct RequiredValueSets: Sendable {
    private let valueSets: [String: ValueSetCodes]

    init(file: DefinitionsFile) throws(FHIRDefinitionsError) {
        var valueSets: [String: ValueSetCodes] = [:]
        for (url, value) in try file.object(file.root["valueSets"], "'valueSets'") {
            var codes = Set<String>()
            var codesBySystem: [String: Set<String>] = [:]
            for concept in try file.array(value, "value set \(url)") {
                let system = try file.string(concept["system"], "a system in \(url)")
                let code = try file.string(concept["code"], "a code in \(url)")
                codes.insert(code)
                codesBySystem[system, default: []].insert(code)
            }
            valueSets[url] = ValueSetCodes(codes: codes, codesBySystem: codesBySystem)
        }
        self.valueSets = valueSets
    }

    /// The codes of `url` (a `|version` suffix is ignored), or nil when the value set is not
    /// expanded here (e.g. `mimetypes`, `ucum-units`).
    func codes(of url: String) -> ValueSetCodes? {
        valueSets[Self.unversioned(url)]
    }

    static func unversioned(_ url: String) -> String {
        url.split(separator: "|", maxSplits: 1).first.map(String.init) ?? url
    }
}
