import FHIRSearch

/// How one search finds and orders its rows: the FROM and WHERE of the statement and the
/// sort keys. `SearchPlan.make` picks the Observation timeline (an ordered range scan of one
/// patient's readings of one code) when the query has that shape, else the resource table
/// with one index condition per criterion.
struct SearchPlan {
    /// One ORDER BY key: an SQL expression, its direction, and the SQL type its text form
    /// casts back to in a cursor.
    struct OrderKey {
        let expression: String
        let descending: Bool
        let sqlType: String
        /// Never NULL (lets the cursor condition be a row comparison an index can use).
        let nonNull: Bool
    }

    /// `FROM … WHERE …`; the resource row is aliased `r`.
    let fromWhere: String
    /// Sort keys, then the unique tie-breaker last.
    let order: [OrderKey]

    /// Builds the plan, appending binds to `builder`.
    static func make(_ query: SearchQuery, registry: SearchParameterRegistry, builder: inout SearchSQLBuilder) throws -> SearchPlan {
        let type = query.resourceType
        let table = try builder.table(type)
        if !SearchIndexRows.timelineIsSealed(builder.blindIndex), let timeline = TimelineShape(query) {
            var conditions = ["tl.code = \(builder.bind(timeline.code))", "NOT r.deleted"]
            if let subject = timeline.subject { conditions.insert("tl.subject = \(builder.bind(subject))", at: 0) }
            for values in timeline.dateMatches {
                let alternatives = values.map { value -> String in
                    guard case .date(let prefix, let range) = value else { return "FALSE" }
                    return builder.dateCondition(prefix, range, low: "tl.lo", high: "tl.hi")
                }
                conditions.append("(\(alternatives.joined(separator: " OR ")))")
            }
            conditions += try builder.conditions(timeline.remaining, type: type, row: "r")
            return SearchPlan(
                fromWhere: "FROM observation_timeline tl JOIN \(table) r ON r.key = tl.key WHERE \(conditions.joined(separator: " AND "))",
                order: [
                    OrderKey(expression: "tl.hi", descending: true, sqlType: "timestamptz", nonNull: true),
                    OrderKey(expression: "tl.key", descending: true, sqlType: "bigint", nonNull: true),
                ])
        }
        let conditions = ["NOT r.deleted"] + (try builder.conditions(query.criteria, type: type, row: "r"))
        var order = try query.sort.map { try orderKey($0, type: type, builder: &builder) }
        if query.sort.isEmpty, query.criteria.contains(where: Self.isLastUpdatedMatch) {
            // "What changed since T": in change order, so the (last_updated, key) index serves
            // the range and the order instead of a walk of every key.
            order.append(OrderKey(expression: "r.last_updated", descending: false, sqlType: "timestamptz", nonNull: true))
        }
        order.append(OrderKey(expression: "r.key", descending: false, sqlType: "bigint", nonNull: true))
        return SearchPlan(fromWhere: "FROM \(table) r WHERE \(conditions.joined(separator: " AND "))", order: order)
    }

    private static func isLastUpdatedMatch(_ criterion: SearchCriterion) -> Bool {
        if case .match(let match) = criterion { return match.parameter.code == "_lastUpdated" && match.modifier == nil }
        return false
    }

    /// The value a resource sorts by: its lowest value ascending, its highest descending
    /// (dates: the start of the earliest, the end of the latest).
    private static func orderKey(_ key: SortKey, type: String, builder: inout SearchSQLBuilder) throws -> OrderKey {
        let parameter = key.parameter
        switch parameter.code {
        case "_id": return OrderKey(expression: "r.id", descending: key.descending, sqlType: "text", nonNull: true)
        case "_lastUpdated": return OrderKey(expression: "r.last_updated", descending: key.descending, sqlType: "timestamptz", nonNull: true)
        default: break
        }
        if builder.isBlind(parameter, type: type) {
            throw SearchExecutionError.unsupported("_sort=\(parameter.code) is not supported because the elements it sorts by are encrypted")
        }
        let table = try SearchSQLBuilder.indexTable(for: parameter.type)
        let aggregate = key.descending ? "max" : "min"
        let (column, sqlType): (String, String) = switch table {
        case .date: (key.descending ? "hi" : "lo", "timestamptz")
        case .number, .quantity: (key.descending ? "hi" : "lo", "numeric")
        case .string: ("norm", "text")
        case .token: ("code", "text")
        case .reference: ("coalesce(target_id, url)", "text")
        case .uri: ("uri", "text")
        case .blind: ("term", "bytea")
        }
        let kind = table == .token ? " AND kind = 't'" : ""
        let pid = builder.bind(SearchParameterKey.of(type, parameter.code))
        return OrderKey(
            expression: "(SELECT \(aggregate)(\(column)) FROM sp_\(table.rawValue) WHERE key = r.key AND pid = \(pid)\(kind))",
            descending: key.descending, sqlType: sqlType, nonNull: false)
    }

    /// `ORDER BY` over the keys; missing values last in both directions. Keys that are never
    /// NULL say nothing about NULLs, so a backward index scan can deliver the order.
    /// `reversed`: the exact reverse order, for reading the page before a cursor.
    func orderBy(_ expressions: [String], reversed: Bool = false) -> String {
        zip(order, expressions).map { key, expression in
            let descending = key.descending != reversed
            let nulls = key.nonNull ? "" : (reversed ? " NULLS FIRST" : " NULLS LAST")
            return "\(expression) \(descending ? "DESC" : "ASC")\(nulls)"
        }.joined(separator: ", ")
    }

    /// Rows strictly after `cursor` in this order, or strictly before it when `before`.
    func beyond(_ cursor: SearchCursor, before: Bool, builder: inout SearchSQLBuilder) -> String {
        let values = zip(order, cursor.values).map { key, value in
            value.map { "\(builder.bind($0))::\(key.sqlType)" }
        }
        /// Whether `descending` keys compare with `<` in the direction asked.
        func comparison(_ descending: Bool) -> String { descending != before ? "<" : ">" }
        if order.allSatisfy(\.nonNull), Set(order.map(\.descending)).count == 1, !values.contains(where: { $0 == nil }) {
            let columns = order.map(\.expression).joined(separator: ", ")
            let bounds = values.compactMap { $0 }.joined(separator: ", ")
            return "(\(columns)) \(comparison(order[0].descending)) (\(bounds))"
        }
        var alternatives: [String] = []
        for (index, key) in order.enumerated() {
            var parts = (0..<index).map { earlier -> String in
                "\(order[earlier].expression) IS NOT DISTINCT FROM \(values[earlier] ?? "NULL")"
            }
            // Missing values sort last: after a value come larger ones and missing ones; before
            // a missing value come all present ones.
            switch (values[index], before) {
            case (let value?, false):
                let compared = "\(key.expression) \(comparison(key.descending)) \(value)"
                parts.append(key.nonNull ? compared : "(\(compared) OR \(key.expression) IS NULL)")
            case (let value?, true):
                parts.append("\(key.expression) \(comparison(key.descending)) \(value)")
            case (nil, false):
                continue
            case (nil, true):
                parts.append("\(key.expression) IS NOT NULL")
            }
            alternatives.append("(\(parts.joined(separator: " AND ")))")
        }
        return alternatives.isEmpty ? "FALSE" : "(\(alternatives.joined(separator: " OR ")))"
    }
}

/// The query shapes the Observation timeline answers, sorted by `-date` or not at all: one
/// patient (or Patient subject), one `system|code`, any `date` criteria (the remote-monitoring
/// query, by `observation_timeline_order`); or the same without a patient (population and alert
/// queries, by `observation_timeline_code`).
struct TimelineShape {
    /// `Patient/<id>`; nil for every subject.
    let subject: String?
    let code: String
    let dateMatches: [[SearchMatchValue]]
    let remaining: [SearchCriterion]

    init?(_ query: SearchQuery) {
        guard query.resourceType == "Observation" else { return nil }
        if let first = query.sort.first {
            guard query.sort.count == 1, first.parameter.code == "date", first.descending else { return nil }
        }
        var subject: String?
        var code: String?
        var dates: [[SearchMatchValue]] = []
        var remaining: [SearchCriterion] = []
        for criterion in query.criteria {
            guard case .match(let match) = criterion else {
                remaining.append(criterion)
                continue
            }
            if subject == nil, let patient = Self.patientReference(match) {
                subject = patient
            } else if code == nil, let coding = Self.coding(match) {
                code = coding
            } else if match.parameter.code == "date", match.modifier == nil {
                dates.append(match.values)
            } else {
                remaining.append(criterion)
            }
        }
        guard let code else { return nil }
        self.subject = subject
        self.code = code
        dateMatches = dates
        self.remaining = remaining
    }

    /// `Patient/<id>` when the match is `patient` or `subject` naming exactly one Patient.
    static func patientReference(_ match: ParameterMatch) -> String? {
        guard ["patient", "subject"].contains(match.parameter.code), match.values.count == 1,
              case .reference(let type, let id?, nil, _) = match.values[0]
        else { return nil }
        var targetType = type
        if case .type(let modifierType) = match.modifier { targetType = targetType ?? modifierType }
        if match.parameter.code == "patient" { targetType = targetType ?? "Patient" }
        return targetType == "Patient" ? "Patient/\(id)" : nil
    }

    /// `system|code` when the match is `code` with exactly one value naming both.
    private static func coding(_ match: ParameterMatch) -> String? {
        guard match.parameter.code == "code", match.modifier == nil, match.values.count == 1,
              case .token(let system??, let code?) = match.values[0]
        else { return nil }
        return "\(system)|\(code)"
    }
}
