import FHIRCore
import FHIRSearch
import Foundation
import PostgresNIO

/// Why a parsed search cannot be run.
public enum SearchExecutionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A criterion the index cannot answer (e.g. `:above` on a reference).
    case unsupported(String)
    /// `_cursor` is not one this server issued for this query.
    case invalidCursor

    public var description: String {
        switch self {
        case .unsupported(let message): message
        case .invalidCursor: "_cursor is not a cursor from a link of this search"
        }
    }
}

/// Builds SQL with positional binds for a search: each criterion becomes a boolean SQL
/// expression over a resource row alias, answered from the index tables of migration 0004.
struct SearchSQLBuilder {
    private(set) var binds = PostgresBindings()
    private var aliasCounter = 0
    let knownTypes: Set<String>
    /// With encryption on: which parameters are searched through blind terms.
    let blindIndex: BlindIndex?

    init(knownTypes: Set<String>, blindIndex: BlindIndex?) {
        self.knownTypes = knownTypes
        self.blindIndex = blindIndex
    }

    /// Appends a bind and returns its placeholder.
    mutating func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// A fresh table alias, unique within the statement.
    mutating func alias(_ stem: String) -> String {
        aliasCounter += 1
        return "\(stem)\(aliasCounter)"
    }

    /// The current-version table of `type`.
    func table(_ type: String) throws(StoreError) -> String {
        try Tables(type, known: knownTypes).current
    }

    /// All criteria on rows `row` of `type`, joined by AND.
    mutating func conditions(_ criteria: [SearchCriterion], type: String, row: String) throws -> [String] {
        try criteria.map { try condition($0, type: type, row: row) }
    }

    mutating func condition(_ criterion: SearchCriterion, type: String, row: String) throws -> String {
        switch criterion {
        case .match(let match):
            return try matchCondition(match, type: type, row: row)
        case .missing(let parameter, let missing):
            if SearchIndexRows.columnParameters.contains(parameter.code) { return missing ? "FALSE" : "TRUE" }
            let t = alias("m")
            let (indexTable, key) = isBlind(parameter, type: type) && parameter.type != .reference
                ? (IndexTable.blind, SearchParameterKey.of(type, parameter.code))
                : parameter.type == .composite
                ? (try Self.indexTable(for: parameter.components.first?.type ?? .token), SearchParameterKey.of(type, parameter.code, component: 0))
                : (try Self.indexTable(for: parameter.type), SearchParameterKey.of(type, parameter.code))
            let exists = "EXISTS (SELECT 1 FROM sp_\(indexTable.rawValue) \(t) WHERE \(t).key = \(row).key AND \(t).pid = \(bind(key)))"
            return missing ? "NOT \(exists)" : exists
        case .chain(let reference, let targetTypes, let inner):
            let f = alias("f")
            var branches: [String] = []
            for target in targetTypes {
                let c = alias("c")
                let innerSQL = try condition(inner, type: target, row: c)
                branches.append("""
                    (\(f).target_type = \(bind(target)) AND \(f).target_id IN \
                    (SELECT \(c).id FROM \(try table(target)) \(c) WHERE NOT \(c).deleted AND \(innerSQL)))
                    """)
            }
            guard !branches.isEmpty else { return "FALSE" }
            return """
                EXISTS (SELECT 1 FROM sp_reference \(f) WHERE \(f).key = \(row).key \
                AND \(f).pid = \(bind(SearchParameterKey.of(type, reference.code))) AND (\(branches.joined(separator: " OR "))))
                """
        case .reverseChain(let sourceType, let reference, let inner):
            let s = alias("s"), f = alias("f")
            let innerSQL = try condition(inner, type: sourceType, row: s)
            return """
                EXISTS (SELECT 1 FROM \(try table(sourceType)) \(s) JOIN sp_reference \(f) ON \(f).key = \(s).key \
                AND \(f).pid = \(bind(SearchParameterKey.of(sourceType, reference.code))) \
                WHERE NOT \(s).deleted AND \(f).target_type = \(bind(type)) AND \(f).target_id = \(row).id AND \(innerSQL))
                """
        case .compartment(let ownerType, let ownerId, let parameters):
            if parameters.contains(where: { $0.code == "{def}" }), ownerType == type {
                return "\(row).id = \(bind(ownerId))"
            }
            let f = alias("f")
            let keys = parameters.map { SearchParameterKey.of(type, $0.code) }
            guard !keys.isEmpty else { return "FALSE" }
            return """
                EXISTS (SELECT 1 FROM sp_reference \(f) WHERE \(f).key = \(row).key AND \(f).pid = ANY(\(bind(keys))) \
                AND \(f).target_type = \(bind(ownerType)) AND \(f).target_id = \(bind(ownerId)))
                """
        }
    }

    private mutating func matchCondition(_ match: ParameterMatch, type: String, row: String) throws -> String {
        let parameter = match.parameter
        let negated = match.modifier == .not
        switch parameter.code {
        case "_id":
            let ids = match.values.compactMap { value -> String? in
                if case .token(_, let code?) = value { return code }
                return nil
            }
            let sql = "\(row).id = ANY(\(bind(ids)))"
            return negated ? "NOT (\(sql))" : sql
        case "_lastUpdated":
            let alternatives = match.values.map { value -> String in
                guard case .date(let prefix, let range) = value else { return "FALSE" }
                return instantCondition(prefix, range, column: "\(row).last_updated")
            }
            return "(\(alternatives.joined(separator: " OR ")))"
        default:
            break
        }
        // `:identifier` reads Reference.identifier, which is sealed wherever the Reference is.
        if blindIndex != nil, match.modifier == .identifier || (isBlind(parameter, type: type) && parameter.type != .reference) {
            return try blindCondition(match, type: type, row: row)
        }
        if parameter.type == .composite {
            var alternatives: [String] = []
            for value in match.values {
                guard case .composite(let parts) = value, parts.count == parameter.components.count else { continue }
                alternatives.append(try compositeCondition(parts, parameter: parameter, type: type, row: row))
            }
            let sql = "(\(alternatives.isEmpty ? "FALSE" : alternatives.joined(separator: " OR ")))"
            return negated ? "NOT \(sql)" : sql
        }
        let t = alias("t")
        let isIdentifier = match.modifier == .identifier
        let from = "sp_\((isIdentifier ? IndexTable.token : try Self.indexTable(for: parameter.type)).rawValue) \(t)"
        let alternatives = try match.values.map { value in
            try valueCondition(value, modifier: match.modifier, alias: t, isReferenceIdentifier: isIdentifier)
        }
        let exists = """
            EXISTS (SELECT 1 FROM \(from) WHERE \(t).key = \(row).key AND \(t).pid = \(bind(SearchParameterKey.of(type, parameter.code))) \
            AND \(t).grp = 0 AND (\(alternatives.joined(separator: " OR "))))
            """
        return negated ? "NOT \(exists)" : exists
    }

    /// Whether `parameter` of `type` reads sealed elements (encryption on).
    func isBlind(_ parameter: SearchParameter, type: String) -> Bool {
        blindIndex?.isSealed(type, parameter.code) ?? false
    }

    /// A match on a sealed parameter: some blind term of the resource equals a value's term.
    private mutating func blindCondition(_ match: ParameterMatch, type: String, row: String) throws -> String {
        guard let blindIndex, match.parameter.type != .composite else {
            throw SearchExecutionError.unsupported(
                "\(match.parameter.code): composite search is not supported on this parameter because the elements it searches are encrypted")
        }
        let key = SearchParameterKey.of(type, match.parameter.code)
        let terms = try match.values.map { value in
            try blindIndex.term(for: value, modifier: match.modifier, parameter: match.parameter.code, parameterKey: key,
                                isReferenceIdentifier: match.modifier == .identifier)
        }
        let t = alias("b")
        let exists = """
            EXISTS (SELECT 1 FROM sp_blind \(t) WHERE \(t).key = \(row).key AND \(t).pid = \(bind(key)) \
            AND \(t).term = ANY(ARRAY(SELECT decode(h, 'hex') FROM unnest(\(bind(terms))::text[]) h)))
            """
        return match.modifier == .not ? "NOT \(exists)" : exists
    }

    /// One composite value: its components' rows share the resource key and group number.
    private mutating func compositeCondition(
        _ parts: [SearchMatchValue], parameter: SearchParameter, type: String, row: String
    ) throws -> String {
        var joins: [String] = []
        var conditions: [String] = []
        var first = ""
        for (index, part) in parts.enumerated() {
            let c = alias("k")
            let indexTable = try Self.indexTable(for: parameter.components[index].type)
            let key = bind(SearchParameterKey.of(type, parameter.code, component: index))
            if index == 0 {
                first = c
                joins.append("sp_\(indexTable.rawValue) \(c)")
                conditions.append("\(c).key = \(row).key AND \(c).pid = \(key)")
            } else {
                joins.append("JOIN sp_\(indexTable.rawValue) \(c) ON \(c).key = \(first).key AND \(c).grp = \(first).grp AND \(c).pid = \(key)")
            }
            conditions.append(try valueCondition(part, modifier: nil, alias: c, isReferenceIdentifier: false))
        }
        return "EXISTS (SELECT 1 FROM \(joins.joined(separator: " ")) WHERE \(conditions.joined(separator: " AND ")))"
    }

    /// One value compared with the index row `t`.
    mutating func valueCondition(
        _ value: SearchMatchValue, modifier: SearchModifier?, alias t: String, isReferenceIdentifier: Bool
    ) throws -> String {
        switch value {
        case .token(let system, let code):
            let kind: String = switch modifier {
            case .text: "x"
            case .ofType: "o"
            default: isReferenceIdentifier ? "i" : "t"
            }
            var parts = ["\(t).kind = '\(kind)'"]
            if modifier == .text {
                parts.append("\(t).code LIKE \(bind(Self.likePrefix(code ?? "")))")
                return "(\(parts.joined(separator: " AND ")))"
            }
            switch system {
            case .none: break
            case .some(.none): parts.append("\(t).system IS NULL")
            case .some(.some(let system)): parts.append("\(t).system = \(bind(system))")
            }
            if let code { parts.append("\(t).code = \(bind(code))") }
            return "(\(parts.joined(separator: " AND ")))"
        case .string(let text):
            switch modifier {
            case .exact: return "\(t).exact = \(bind(text))"
            case .contains: return "\(t).norm LIKE \(bind("%" + Self.likeEscaped(text) + "%"))"
            default: return "\(t).norm LIKE \(bind(Self.likePrefix(text)))"
            }
        case .date(let prefix, let range):
            return dateCondition(prefix, range, low: "\(t).lo", high: "\(t).hi")
        case .number(let prefix, let number):
            return numberCondition(prefix, number, alias: t)
        case .quantity(let prefix, let number, let system, let code):
            var parts = [numberCondition(prefix, number, alias: t)]
            if let system { parts.append("\(t).system = \(bind(system))") }
            if let code {
                let placeholder = bind(code)
                parts.append(system == nil ? "(\(t).code = \(placeholder) OR \(t).unit = \(placeholder))" : "\(t).code = \(placeholder)")
            }
            return "(\(parts.joined(separator: " AND ")))"
        case .reference(let type, let id, let url, _):
            if modifier == .above || modifier == .below {
                throw SearchExecutionError.unsupported(":above and :below on references need canonical version hierarchies, which are not supported")
            }
            if let url { return "\(t).url = \(bind(url))" }
            var parts: [String] = []
            if let id { parts.append("\(t).target_id = \(bind(id))") }
            if let type { parts.append("\(t).target_type = \(bind(type))") }
            return parts.isEmpty ? "FALSE" : "(\(parts.joined(separator: " AND ")))"
        case .uri(let uri):
            switch modifier {
            case .above: return "starts_with(\(bind(uri)), \(t).uri)"
            case .below: return "\(t).uri LIKE \(bind(Self.likePrefix(uri)))"
            default: return "\(t).uri = \(bind(uri))"
            }
        case .composite:
            throw SearchExecutionError.unsupported("a composite value inside a composite")
        }
    }

    /// A date prefix over `[low, high)` against a search range `[slo, shi)`.
    mutating func dateCondition(_ prefix: SearchPrefix, _ range: SearchDateRange, low: String, high: String) -> String {
        let bounds = SearchIndexRows.bounds(range)
        let slo = "\(bind(bounds[0]))::timestamptz", shi = "\(bind(bounds[1]))::timestamptz"
        switch prefix {
        case .eq: return "(\(low) >= \(slo) AND \(high) <= \(shi))"
        case .ne: return "NOT (\(low) >= \(slo) AND \(high) <= \(shi))"
        case .gt: return "\(high) > \(shi)"
        case .lt: return "\(low) < \(slo)"
        case .ge: return "\(high) > \(slo)"
        case .le: return "\(low) < \(shi)"
        case .sa: return "\(low) >= \(shi)"
        case .eb: return "\(high) <= \(slo)"
        case .ap:
            // Approximately: the search range widened by a tenth of its distance from now.
            let now = Date().timeIntervalSince1970 * 1000
            let start = Double(range.low?.millisecondsSince1970 ?? Int64(now))
            let slack = Int64(abs(now - start) / 10)
            let widened = SearchDateRange(
                low: range.low.map { FHIRInstant(millisecondsSince1970: $0.millisecondsSince1970 - slack) },
                high: range.high.map { FHIRInstant(millisecondsSince1970: $0.millisecondsSince1970 + slack) })
            let bounds = SearchIndexRows.bounds(widened)
            return "(\(low) < \(bind(bounds[1]))::timestamptz AND \(high) > \(bind(bounds[0]))::timestamptz)"
        }
    }

    /// A date prefix over a column holding an instant (a point in time, not a range), written as
    /// plain comparisons of the column so its index serves them.
    mutating func instantCondition(_ prefix: SearchPrefix, _ range: SearchDateRange, column: String) -> String {
        let bounds = SearchIndexRows.bounds(range)
        let slo = "\(bind(bounds[0]))::timestamptz", shi = "\(bind(bounds[1]))::timestamptz"
        switch prefix {
        case .eq: return "(\(column) >= \(slo) AND \(column) < \(shi))"
        case .ne: return "NOT (\(column) >= \(slo) AND \(column) < \(shi))"
        case .gt, .sa: return "\(column) >= \(shi)"
        case .lt, .eb: return "\(column) < \(slo)"
        case .ge: return "\(column) >= \(slo)"
        case .le: return "\(column) < \(shi)"
        case .ap: return dateCondition(.ap, range, low: column, high: column)
        }
    }

    /// A number prefix over the inclusive `[lo, hi]` of row `t`.
    private mutating func numberCondition(_ prefix: SearchPrefix, _ number: SearchNumber, alias t: String) -> String {
        let value = number.value?.description ?? number.low?.description ?? "0"
        let v = "\(bind(value))::numeric"
        switch prefix {
        case .eq, .ne:
            let slo = "\(bind(number.low?.description ?? value))::numeric"
            let shi = "\(bind(number.high?.description ?? value))::numeric"
            let sql = "(\(t).lo >= \(slo) AND \(t).hi < \(shi))"
            return prefix == .eq ? sql : "NOT \(sql)"
        case .gt: return "\(t).hi > \(v)"
        case .lt: return "\(t).lo < \(v)"
        case .ge: return "\(t).hi >= \(v)"
        case .le: return "\(t).lo <= \(v)"
        case .sa: return "\(t).lo > \(v)"
        case .eb: return "\(t).hi < \(v)"
        case .ap: return "(\(t).hi >= \(v) - abs(\(v)) / 10 AND \(t).lo <= \(v) + abs(\(v)) / 10)"
        }
    }

    /// The index table holding values of a parameter type.
    static func indexTable(for type: SearchParameterType) throws(SearchExecutionError) -> IndexTable {
        switch type {
        case .token: .token
        case .string: .string
        case .date: .date
        case .number: .number
        case .quantity: .quantity
        case .reference: .reference
        case .uri: .uri
        case .composite, .special: throw .unsupported("\(type.rawValue) parameters have no single index table")
        }
    }

    /// `text%` for LIKE, with LIKE's metacharacters in `text` escaped.
    static func likePrefix(_ text: String) -> String { likeEscaped(text) + "%" }

    static func likeEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
