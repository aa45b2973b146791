import Encryption
import FHIRCore
import FHIRSearch
import PostgresNIO

/// A resource's search values as rows of the index tables (migration 0004), column by column,
/// ready to bind as arrays and insert with `unnest` in the statement that writes the resource.
struct SearchIndexRows: Sendable {
    private(set) var tables: [IndexTable: [[String]]] = [:]
    private(set) var timeline: [[String]] = []

    /// `_id` and `_lastUpdated` are not indexed: they are columns of the resource table.
    static let columnParameters: Set<String> = ["_id", "_lastUpdated"]

    /// No rows (a tombstone's).
    init() {}

    /// - Parameter blindIndex: with encryption on, values of parameters that read sealed
    ///   elements become blind terms (references excepted; sealed composites are not indexed).
    init(
        entries: [SearchIndexEntry], resourceType type: String, registry: SearchParameterRegistry, blindIndex: BlindIndex? = nil
    ) throws(CryptoError) {
        var group: Int16 = 0
        for entry in entries where !Self.columnParameters.contains(entry.parameterCode) {
            let isReference = registry.parameter(entry.parameterCode, for: type)?.type == .reference
            let key = SearchParameterKey.of(type, entry.parameterCode)
            if let blindIndex, isReference, case .token = entry.value {
                // A Reference.identifier is sealed wherever the Reference is (ResourceEnvelope).
                for term in try blindIndex.terms(for: entry.value, parameterKey: key, isReference: true) {
                    tables[.blind, default: []].append([String(key), "0", term])
                }
            } else if let blindIndex, blindIndex.isSealed(parameterKey: key) {
                if case .reference = entry.value {
                    add(entry.value, key: key, group: 0, isReference: true)
                } else if case .composite = entry.value {
                    continue
                } else {
                    for term in try blindIndex.terms(for: entry.value, parameterKey: key, isReference: isReference) {
                        tables[.blind, default: []].append([String(key), "0", term])
                    }
                }
            } else if case .composite(let parts) = entry.value {
                group &+= 1
                for (index, part) in parts.enumerated() {
                    add(part, key: SearchParameterKey.of(type, entry.parameterCode, component: index), group: group, isReference: false)
                }
            } else {
                add(entry.value, key: key, group: 0, isReference: isReference)
            }
        }
        if type == "Observation", !Self.timelineIsSealed(blindIndex) { timeline = Self.timelineRows(entries) }
    }

    /// Whether the Observation timeline's columns (subject, code, date) would hold sealed values.
    static func timelineIsSealed(_ blindIndex: BlindIndex?) -> Bool {
        guard let blindIndex else { return false }
        return ["subject", "code", "date"].contains { blindIndex.isSealed("Observation", $0) }
    }

    private mutating func add(_ value: SearchValue, key: Int32, group: Int16, isReference: Bool) {
        let head = [String(key), String(group)]
        switch value {
        case .token(let system, let code, _):
            guard !code.isEmpty else { return }
            tables[.token, default: []].append(head + [isReference ? "i" : "t", system ?? "", code])
        case .text(let text):
            tables[.token, default: []].append(head + ["x", "", text.normalized])
        case .identifierOfType(let typeSystem, let typeCode, let value):
            tables[.token, default: []].append(head + ["o", "\(typeSystem ?? "")|\(typeCode)", value])
        case .string(let text):
            tables[.string, default: []].append(head + [text.normalized, text.original])
        case .date(let range):
            tables[.date, default: []].append(head + Self.bounds(range))
        case .number(let number):
            tables[.number, default: []].append(head + Self.bounds(number))
        case .quantity(let quantity):
            tables[.quantity, default: []].append(head + [quantity.system ?? "", quantity.code ?? "", quantity.unit ?? ""] + Self.bounds(quantity.number))
        case .reference(let reference):
            switch reference {
            case .relative(let type, let id, _):
                tables[.reference, default: []].append(head + [type, id, ""])
            case .url(let url, let type, let id, _):
                tables[.reference, default: []].append(head + [type ?? "", id ?? "", url])
            case .canonical(let url, _):
                tables[.reference, default: []].append(head + ["", "", url])
            case .contained:
                return
            }
        case .uri(let uri, _):
            tables[.uri, default: []].append(head + [uri])
        case .composite:
            return  // composites do not nest
        }
    }

    /// `[lo, hi)` as timestamptz text; unbounded sides are ±infinity.
    static func bounds(_ range: SearchDateRange) -> [String] {
        [range.low?.fhirString ?? "-infinity", range.high?.fhirString ?? "infinity"]
    }

    /// `[lo, hi]` as numeric text: the exact value twice, or a range's bounds (±Infinity when open).
    static func bounds(_ number: SearchNumber) -> [String] {
        if let value = number.value { return [value.description, value.description] }
        return [number.low?.description ?? "-Infinity", number.high?.description ?? "Infinity"]
    }

    /// One row per (subject, coding with a system) of an Observation: the RPM hot path. Without
    /// a relative subject the subject is empty, so code-only queries still find it.
    private static func timelineRows(_ entries: [SearchIndexEntry]) -> [[String]] {
        var subjects: [String] = []
        var codes: [String] = []
        var effective: [String] = ["-infinity", "-infinity"]
        for entry in entries {
            switch (entry.parameterCode, entry.value) {
            case ("subject", .reference(.relative(let type, let id, _))):
                subjects.append("\(type)/\(id)")
            case ("code", .token(let system?, let code, _)):
                codes.append("\(system)|\(code)")
            case ("date", .date(let range)):
                effective = [range.high?.fhirString ?? "infinity", range.low?.fhirString ?? "-infinity"]
            default:
                continue
            }
        }
        return (subjects.isEmpty ? [""] : subjects).flatMap { subject in codes.map { [subject, $0] + effective } }
    }

    /// An expression that writes these rows for the one resource whose `key` the CTE (or
    /// table) `source` returns, through `vesta_write_index_rows` (migration 0013), and yields
    /// an integer. With `replacing`, the resource's old rows are removed first (an update; a
    /// tombstone's rows are empty). Put it where the statement must evaluate it, e.g.
    /// `WHERE <call> >= 0`. Binds are appended to `binds`.
    func writeCall(keyFrom source: String, replacing: Bool, binds: inout PostgresBindings) -> String {
        let columns = Self.columns(of: [(nil, self)], binds: &binds)
        let replaced = replacing ? "ARRAY[s.key]" : "'{}'::int8[]"
        return "(SELECT vesta_write_index_rows(array_fill(s.key, ARRAY[cardinality(\(columns.pid))]), \(replaced), \(columns.list)) FROM \(source) s)"
    }

    /// The same for the rows of many resources whose keys are already known (new ones' taken
    /// from `resource_key_seq` beforehand), so no row has to be joined back to its resource by
    /// id. With `replacing`, those resources' old rows are removed first (updates).
    static func writeCall(_ resources: [(key: Int64, index: SearchIndexRows)], replacing: Bool = false,
                          binds: inout PostgresBindings) -> String {
        var replaced = "'{}'::int8[]"
        if replacing {
            binds.append(resources.map(\.key))
            replaced = "$\(binds.count)::int8[]"
        }
        let columns = columns(of: resources.map { (Optional($0.key), $0.index) }, binds: &binds)
        return "(SELECT vesta_write_index_rows(\(columns.keys ?? "'{}'::int8[]"), \(replaced), \(columns.list)))"
    }

    /// The index arguments of `vesta_append_audits` (migration 0015) for these records' rows:
    /// each row's record number (1-based, in order), then the row arrays.
    static func numberedArguments(_ records: [SearchIndexRows], binds: inout PostgresBindings) -> String {
        let columns = columns(of: records.enumerated().map { (Optional(Int64($0.offset + 1)), $0.element) }, binds: &binds)
        return "\(columns.keys ?? "'{}'::int8[]"), \(columns.list)"
    }

    /// Binds the rows as the function's arguments: grouped by table in `IndexTable.allCases`
    /// order with the timeline last, each table's bounds, and the parallel text arrays pid, grp
    /// and up to five further columns (and the keys, when every resource's key is known).
    private static func columns(
        of resources: [(key: Int64?, index: SearchIndexRows)], binds: inout PostgresBindings
    ) -> (keys: String?, pid: String, list: String) {
        var keys: [Int64] = []
        var arrays: [[String]] = Array(repeating: [], count: 7)
        var bounds: [Int32] = [1]
        func append(_ key: Int64?, _ row: [String]) {
            if let key { keys.append(key) }
            for column in 0..<7 { arrays[column].append(column < row.count ? row[column] : "") }
        }
        for table in IndexTable.allCases {
            for (key, index) in resources {
                for row in index.tables[table] ?? [] { append(key, row) }
            }
            bounds.append(Int32(arrays[0].count + 1))
        }
        // The timeline has no pid or grp: its columns start at c1.
        for (key, index) in resources {
            for row in index.timeline { append(key, ["", ""] + row) }
        }
        bounds.append(Int32(arrays[0].count + 1))
        var keysPlaceholder: String?
        if resources.allSatisfy({ $0.key != nil }) {
            binds.append(keys)
            keysPlaceholder = "$\(binds.count)::int8[]"
        }
        binds.append(bounds)
        var placeholders = ["$\(binds.count)::int4[]"]
        for column in arrays {
            binds.append(column)
            placeholders.append("$\(binds.count)::text[]")
        }
        return (keysPlaceholder, placeholders[1], placeholders.joined(separator: ", "))
    }
}

/// The index tables, one per kind of search value (`sp_<rawValue>`). The order of the cases
/// is the order `vesta_write_index_rows` expects their rows in (the timeline comes last).
enum IndexTable: String, CaseIterable, Sendable {
    case token, string, date, number, quantity, reference, uri
    /// HMAC terms of sealed values (`BlindIndex`).
    case blind
}
