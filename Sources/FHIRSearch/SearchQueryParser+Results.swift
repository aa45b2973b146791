import Foundation

/// The result parameters: `_count`, `_sort`, `_total`, `_summary`, `_elements`, `_include`,
/// `_revinclude`. Given twice, the later value of a single-valued one wins.
extension SearchQueryParser {
    /// The parameter types `_sort` orders by.
    private static let sortableTypes: Set<SearchParameterType> = [.date, .string, .token, .number, .quantity, .reference, .uri]

    /// Applies `name=value` to `query` when `name` is a result parameter; false when it is not.
    func applyResultParameter(name: String, value: String, to query: inout SearchQuery) throws(SearchQueryError) -> Bool {
        switch name {
        case "_count":
            query.count = try count(value)
            if query.count == 0 { query.summary = .count }
        case "_sort":
            query.sort = try sortKeys(value, for: query.resourceType)
        case "_total":
            guard let total = TotalMode(rawValue: value) else {
                throw .invalidValue(name: name, value: value, reason: "is not none, estimate or accurate")
            }
            query.total = total
        case "_summary":
            guard let summary = SummaryMode(rawValue: value) else {
                throw .invalidValue(name: name, value: value, reason: "is not true, text, data, count or false")
            }
            query.summary = summary
        case "_elements":
            query.elements = try elements(value)
        default:
            guard let include = try include(name: name, value: value) else { return false }
            query.includes.append(include)
        }
        return true
    }

    /// `_count`: 0 (count only) or more, lowered to `maximumCount`.
    private func count(_ value: String) throws(SearchQueryError) -> Int {
        guard value.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw .invalidValue(name: "_count", value: value, reason: "is not a whole number of 0 or more")
        }
        // All digits: only too many of them fails to convert.
        return min(Int(value) ?? Self.maximumCount, Self.maximumCount)
    }

    /// `_sort=-date,code`: parameters of the type, `-` for descending.
    private func sortKeys(_ value: String, for resourceType: String) throws(SearchQueryError) -> [SortKey] {
        var keys: [SortKey] = []
        for key in value.split(separator: ",", omittingEmptySubsequences: false) {
            let descending = key.hasPrefix("-")
            let code = String(descending ? key.dropFirst() : key)
            guard let parameter = registry.parameter(code, for: resourceType),
                  parameter.expression != nil, Self.sortableTypes.contains(parameter.type)
            else {
                throw .invalidValue(name: "_sort", value: String(key), reason: "is not a sortable search parameter of \(resourceType)")
            }
            keys.append(SortKey(parameter: parameter, descending: descending))
        }
        return keys
    }

    /// `_elements=identifier,name`: element names, spaces around them dropped.
    private func elements(_ value: String) throws(SearchQueryError) -> [String] {
        var names: [String] = []
        for part in value.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !name.contains(" ") else {
                throw .invalidValue(name: "_elements", value: value, reason: "is not a comma-separated list of element names")
            }
            names.append(name)
        }
        return names
    }

    /// `_include[:iterate]=Source:param[:Target]` or `_revinclude…`; nil when `name` is neither.
    /// `:recurse` (STU3) is read as `:iterate`.
    private func include(name: String, value: String) throws(SearchQueryError) -> IncludeDirective? {
        let nameParts = name.split(separator: ":", maxSplits: 1)
        guard let base = nameParts.first, base == "_include" || base == "_revinclude" else { return nil }
        if nameParts.count == 2, nameParts[1] != "iterate", nameParts[1] != "recurse" {
            throw .unknownModifier(name: name, modifier: String(nameParts[1]))
        }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else {
            throw .invalidValue(name: name, value: value, reason: "is not SourceType:parameter or SourceType:parameter:TargetType")
        }
        let sourceType = parts[0]
        guard resourceTypes.contains(sourceType) else {
            throw .invalidValue(name: name, value: value, reason: "names '\(sourceType)', which is not a resource type")
        }
        var parameter: SearchParameter?
        if parts[1] != "*" {
            guard let reference = registry.parameter(parts[1], for: sourceType), reference.type == .reference else {
                throw .invalidValue(name: name, value: value, reason: "names '\(parts[1])', which is not a reference parameter of \(sourceType)")
            }
            parameter = reference
        }
        let targetType = parts.count == 3 ? parts[2] : nil
        if let targetType {
            let targets = parameter?.targets ?? []
            guard resourceTypes.contains(targetType), targets.isEmpty || targets.contains(targetType) else {
                throw .invalidValue(name: name, value: value, reason: "names '\(targetType)', which is not a type the reference can point at")
            }
        }
        return IncludeDirective(
            reverse: base == "_revinclude", sourceType: sourceType, parameter: parameter,
            targetType: targetType, iterate: nameParts.count == 2
        )
    }
}
