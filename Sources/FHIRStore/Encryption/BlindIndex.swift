import Encryption
import FHIRCore
import FHIRSearch

/// Search over sealed elements: a search parameter that reads an element the encryption policy
/// seals is indexed as keyed HMAC-SHA-256 terms (`sp_blind`) instead of its plaintext values.
/// A query value becomes the same term, so equality-style searches still match; comparisons
/// that need the value itself (ranges, `:contains`, sorting) are refused with a reason.
///
/// Terms: token `code`, `system|code`, `|code`, `system|`; string prefixes of the normalized
/// value (default search) and the value as written (`:exact`); the UTC year, month and day a
/// date lies in (`eq` at those precisions); uri as written. Reference values stay in the
/// plaintext reference index (they name resources, not people), so includes, chains and
/// compartments keep working; a Reference's identifier (`:identifier`) is always blind, since
/// the envelope seals it wherever the Reference is.
public struct BlindIndex: Sendable {
    private let key: SymmetricKey
    /// `SearchParameterKey`s of the (type, parameter) pairs that read a sealed element.
    private let sealedParameters: Set<Int32>

    /// String values are indexed by every prefix up to this many characters; longer
    /// starts-with queries cannot be answered.
    static let longestPrefix = 64

    /// - Parameters:
    ///   - indexKey: the database's blind-index key (`KeyRing.indexKey`).
    ///   - policy: which elements stay plaintext.
    ///   - registry: the search parameters; one whose expression may read a sealed element
    ///     (or reads the resource in a way that cannot be bounded) is blind.
    public init(indexKey: SymmetricKey, policy: SealingPolicy, registry: SearchParameterRegistry, resourceTypes: some Sequence<String>) {
        key = indexKey
        var sealed: Set<Int32> = []
        for type in resourceTypes {
            let plaintext = policy.plaintextElements(of: type)
            for parameter in registry.parameters(for: type) {
                guard parameter.expression != nil, !SearchIndexRows.columnParameters.contains(parameter.code) else { continue }
                // A reference parameter reads `contained` only to learn a `#id` target's type;
                // its reference values stay plaintext either way.
                let read = parameter.topLevelElements(readFrom: type).map { parameter.type == .reference ? $0.subtracting(["contained"]) : $0 }
                if read.map({ !$0.isSubset(of: plaintext) }) ?? true {
                    sealed.insert(SearchParameterKey.of(type, parameter.code))
                }
            }
        }
        sealedParameters = sealed
    }

    /// Whether `code` on `type` is searched through blind terms.
    public func isSealed(_ type: String, _ code: String) -> Bool {
        sealedParameters.contains(SearchParameterKey.of(type, code))
    }

    func isSealed(parameterKey: Int32) -> Bool {
        sealedParameters.contains(parameterKey)
    }

    // MARK: Index side

    /// The hex terms a sealed value is stored under. Never empty, so `:missing` sees the value.
    /// `isReference`: the value is a `Reference.identifier` token (`:identifier`).
    func terms(for value: SearchValue, parameterKey: Int32, isReference: Bool) throws(CryptoError) -> [String] {
        var terms: [String] = []
        switch value {
        case .token(let system, let code, _):
            terms = Self.tokenTerms(kind: isReference ? "i" : "t", system: system, code: code)
        case .text(let text):
            terms = Self.prefixes(of: text.normalized).map { "x|" + $0 }
        case .identifierOfType(let typeSystem, let typeCode, let value):
            terms = ["o|\(typeSystem ?? "")|\(typeCode)|\(value)"]
        case .string(let text):
            terms = Self.prefixes(of: text.normalized).map { "p|" + $0 } + ["e|" + text.original]
        case .date(let range):
            terms = Self.calendarPeriods(containing: range).map { "d|" + $0 }
        case .uri(let uri, _):
            terms = ["u|" + uri]
        case .number, .quantity, .reference, .composite:
            break
        }
        if terms.isEmpty { terms = ["*"] }
        return try terms.map { term throws(CryptoError) in try hash(term, parameterKey: parameterKey) }
    }

    private static func tokenTerms(kind: String, system: String?, code: String) -> [String] {
        var terms = ["\(kind)|c|\(code)", "\(kind)|s|\(system ?? "")|\(code)"]
        if let system { terms.append("\(kind)|S|\(system)") }
        return terms
    }

    private static func prefixes(of text: String) -> [String] {
        var result: [String] = []
        var prefix = ""
        for character in text.prefix(longestPrefix) {
            prefix.append(character)
            result.append(prefix)
        }
        return result
    }

    /// `1970`, `1970-01`, `1970-01-01`: the UTC calendar year, month and day that wholly contain `range`.
    private static func calendarPeriods(containing range: SearchDateRange) -> [String] {
        guard let low = range.low, let high = range.high else { return [] }
        let text = low.fhirString
        return [4, 7, 10].compactMap { length in
            let period = String(text.prefix(length))
            guard let span = FHIRDateRange(parsing: period), high <= span.end else { return nil }
            return period
        }
    }

    // MARK: Query side

    /// The hex term a query value of a sealed parameter matches, or why it cannot be answered.
    func term(
        for value: SearchMatchValue, modifier: SearchModifier?, parameter: String, parameterKey: Int32, isReferenceIdentifier: Bool
    ) throws -> String {
        func refuse(_ what: String) -> SearchExecutionError {
            .unsupported("\(parameter): \(what) is not supported on this parameter because the elements it searches are encrypted; equality searches are")
        }
        let term: String
        switch value {
        case .token(let system, let code):
            let kind = isReferenceIdentifier ? "i" : "t"
            switch (modifier, system, code) {
            case (.text, _, let text?):
                guard text.count <= Self.longestPrefix else { throw refuse(":text longer than \(Self.longestPrefix) characters") }
                term = "x|" + text
            case (.ofType, let system??, let code?): term = "o|\(system)|\(code)"
            case (_, nil, let code?): term = "\(kind)|c|\(code)"
            case (_, let system?, let code?): term = "\(kind)|s|\(system ?? "")|\(code)"
            case (_, let system??, nil): term = "\(kind)|S|\(system)"
            default: throw refuse("this token form")
            }
        case .string(let text):
            switch modifier {
            case .exact: term = "e|" + text
            case .contains: throw refuse(":contains")
            default:
                guard text.count <= Self.longestPrefix else { throw refuse("a starts-with search longer than \(Self.longestPrefix) characters") }
                term = "p|" + text
            }
        case .date(let prefix, let range):
            guard prefix == .eq, let period = Self.calendarPeriod(exactly: range) else {
                throw refuse("a date comparison other than eq at year, month or day precision")
            }
            term = "d|" + period
        case .uri(let uri):
            guard modifier == nil else { throw refuse(":above and :below") }
            term = "u|" + uri
        case .number, .quantity:
            throw refuse("a number or quantity comparison")
        case .reference, .composite:
            throw refuse("this search")
        }
        return try hash(term, parameterKey: parameterKey)
    }

    /// The text of the UTC year, month or day `range` is exactly, if it is one.
    private static func calendarPeriod(exactly range: SearchDateRange) -> String? {
        guard let low = range.low, let high = range.high else { return nil }
        let text = low.fhirString
        return [4, 7, 10].lazy.map { String(text.prefix($0)) }.first { period in
            guard let span = FHIRDateRange(parsing: period) else { return false }
            return span.start == low && span.end == high
        }
    }

    /// The first 16 bytes of HMAC-SHA-256(index key, parameter key ‖ term), as hex. The
    /// parameter key keeps equal values of different parameters from sharing a term.
    private func hash(_ term: String, parameterKey: Int32) throws(CryptoError) -> String {
        let code = try HMACSHA256.authenticationCode(for: Array("\(parameterKey)|\(term)".utf8), key: key)
        return Self.hex(code.prefix(16))
    }

    private static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: result, as: UTF8.self)
    }
}
