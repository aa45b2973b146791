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

    /// Data-modifying CTEs inserting these rows for the resource whose `key` the CTE named
    /// `source` returns. Binds are appended to `binds`; `prefix` names the CTEs, so the rows of
    /// two resources can go into one statement.
    func insertStatements(keyFrom source: String, binds: inout PostgresBindings, prefix: String = "ix") -> [String] {
        Self.statements(tables: tables, timeline: timeline, source: source, binds: &binds, prefix: prefix)
    }

    /// Data-modifying CTEs inserting the rows of many resources whose keys are already known
    /// (taken from `resource_key_seq` beforehand), so no row has to be joined back to its
    /// resource by id.
    static func insertStatements(_ resources: [(key: Int64, index: SearchIndexRows)], binds: inout PostgresBindings) -> [String] {
        var merged: [IndexTable: [[String]]] = [:]
        var timeline: [[String]] = []
        for (key, index) in resources {
            let keyText = String(key)
            for (table, rows) in index.tables { merged[table, default: []] += rows.map { [keyText] + $0 } }
            timeline += index.timeline.map { [keyText] + $0 }
        }
        return statements(tables: merged, timeline: timeline, source: nil, binds: &binds, prefix: "ix")
    }

    /// The CTEs for `tables` and `timeline`: for the one resource whose `key` the CTE `source`
    /// returns, or, with no `source`, for rows that each start with their resource's key.
    private static func statements(
        tables: [IndexTable: [[String]]], timeline: [[String]], source: String?, binds: inout PostgresBindings, prefix: String
    ) -> [String] {
        func arrays(_ rows: [[String]], columns: Int) -> String {
            (0..<columns).map { column in
                binds.append(rows.map { $0[column] })
                return "$\(binds.count)::text[]"
            }.joined(separator: ", ")
        }
        func from(_ unnest: String, _ names: [String]) -> String {
            guard let source else { return "unnest(\(unnest)) AS v(\((["rkey"] + names).joined(separator: ", ")))" }
            return "\(source) s, unnest(\(unnest)) AS v(\(names.joined(separator: ", ")))"
        }
        let key = source == nil ? "v.rkey::bigint" : "s.key"
        let lead = source == nil ? 1 : 0
        var statements: [String] = []
        for table in IndexTable.allCases {
            guard let rows = tables[table], !rows.isEmpty else { continue }
            let names = table.columns.map(\.name)
            let values = table.columns.map { $0.expression }
            statements.append("""
                \(prefix)_\(table.rawValue) AS (
                    INSERT INTO sp_\(table.rawValue) (key, \(names.joined(separator: ", ")))
                    SELECT \(key), \(values.joined(separator: ", "))
                      FROM \(from(arrays(rows, columns: lead + names.count), names))
                )
                """)
        }
        if !timeline.isEmpty {
            statements.append("""
                \(prefix)_timeline AS (
                    INSERT INTO observation_timeline (key, subject, code, hi, lo)
                    SELECT \(key), v.subject, v.code, v.hi::timestamptz, v.lo::timestamptz
                      FROM \(from(arrays(timeline, columns: lead + 4), ["subject", "code", "hi", "lo"]))
                )
                """)
        }
        return statements
    }

    /// Data-modifying CTEs removing every index row of the resource whose `key` the CTE
    /// named `source` returns (before its new version's rows go in).
    static func deleteStatements(keyFrom source: String, resourceType: String) -> [String] {
        var statements = IndexTable.allCases.map { table in
            "dx_\(table.rawValue) AS (DELETE FROM sp_\(table.rawValue) WHERE key IN (SELECT key FROM \(source)))"
        }
        if resourceType == "Observation" {
            statements.append("dx_timeline AS (DELETE FROM observation_timeline WHERE key IN (SELECT key FROM \(source)))")
        }
        return statements
    }
}

/// The index tables, one per kind of search value (`sp_<rawValue>`).
enum IndexTable: String, CaseIterable, Sendable {
    case token, string, date, number, quantity, reference, uri
    /// HMAC terms of sealed values (`BlindIndex`).
    case blind

    struct Column {
        let name: String
        /// Converts the `text` from `unnest` (`v.<name>`) to the column's type.
        let expression: String
    }

    /// Columns after `key`, in the order `SearchIndexRows` fills them.
    var columns: [Column] {
        let head = [Column(name: "pid", expression: "v.pid::int4"), Column(name: "grp", expression: "v.grp::int2")]
        func text(_ name: String) -> Column { Column(name: name, expression: "v.\(name)") }
        func optional(_ name: String) -> Column { Column(name: name, expression: "nullif(v.\(name), '')") }
        switch self {
        case .token: return head + [Column(name: "kind", expression: "v.kind::\"char\""), optional("system"), text("code")]
        case .string: return head + [text("norm"), text("exact")]
        case .date: return head + [Column(name: "lo", expression: "v.lo::timestamptz"), Column(name: "hi", expression: "v.hi::timestamptz")]
        case .number: return head + [Column(name: "lo", expression: "v.lo::numeric"), Column(name: "hi", expression: "v.hi::numeric")]
        case .quantity:
            return head + [optional("system"), optional("code"), optional("unit"),
                           Column(name: "lo", expression: "v.lo::numeric"), Column(name: "hi", expression: "v.hi::numeric")]
        case .reference: return head + [optional("target_type"), optional("target_id"), optional("url")]
        case .uri: return head + [text("uri")]
        case .blind: return head + [Column(name: "term", expression: "decode(v.term, 'hex')")]
        }
    }
}
