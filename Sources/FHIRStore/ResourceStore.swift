import Audit
import FHIRCore
import FHIRSearch
import Foundation
import Logging
import PostgresNIO

/// Stores FHIR resources in PostgreSQL: one current-version table and one history table per
/// type (`r_<type>`, `h_<type>`), its search index rows, and a change log row for every write,
/// in one statement. A successful return means the write is committed.
public struct ResourceStore: Sendable {
    public let client: PostgresClient
    /// Where statements run: the pool, or the connection of an open transaction.
    var database: SQLExecutor
    let knownTypes: Set<String>
    public let indexer: SearchIndexer
    /// Seals what is stored; `PlaintextSealer` when encryption is off.
    public let sealer: any ResourceSealer
    /// Encryption at rest; nil when off.
    let encryption: AtRestEncryption?
    /// Whether writes made for an audited request (`AuditRequest.current`) carry their
    /// AuditEvent in the same statement.
    public let auditing: Bool
    /// Rings after every commit of a change (copies of the store share it).
    public let changeSignal = ChangeSignal()
    let logger: Logger

    /// - Parameters:
    ///   - resourceTypes: the types that have tables (from the structure index).
    ///   - indexer: computes the search values every write stores beside the resource.
    ///   - encryption: encryption at rest; nil stores everything in plaintext.
    ///   - auditing: record the writes of audited requests (see `ResourceStore+Audit`).
    public init(
        client: PostgresClient, resourceTypes: some Sequence<String>, indexer: SearchIndexer,
        encryption: AtRestEncryption? = nil, auditing: Bool = false, logger: Logger
    ) {
        self.client = client
        self.database = .pool(client)
        self.knownTypes = Set(resourceTypes)
        self.indexer = indexer
        self.sealer = encryption?.sealer ?? PlaintextSealer()
        self.encryption = encryption
        self.auditing = auditing
        self.logger = logger
    }

    /// With encryption on: the parameters indexed and searched through blind terms.
    var blindIndex: BlindIndex? { encryption?.blindIndex }

    /// The declared search parameters the index follows.
    public var registry: SearchParameterRegistry { indexer.registry }

    // MARK: Reads

    /// The current version, including a deletion tombstone (`isDeleted`).
    public func read(type: String, id: String) async throws -> StoredResource {
        let tables = try Tables(type, known: knownTypes)
        let rows = try await database.query(
            "SELECT version, last_updated, deleted, coalesce(exact_text, body::text) FROM \(unescaped: tables.current) WHERE id = \(id)",
            logger: logger)
        for try await (version, lastUpdated, deleted, json) in rows.decode((Int32, Date, Bool, String?).self) {
            return try stored(type: type, id: id, version: Int(version), lastUpdated: lastUpdated, deleted: deleted, json: json)
        }
        throw StoreError.notFound(type: type, id: id)
    }

    /// A specific version, current or historical.
    public func read(type: String, id: String, version: Int) async throws -> StoredResource {
        let tables = try Tables(type, known: knownTypes)
        let wanted = Int32(clamping: version)
        let rows = try await database.query(
            """
            SELECT last_updated, deleted, coalesce(exact_text, body::text) FROM \(unescaped: tables.current)
             WHERE id = \(id) AND version = \(wanted)
            UNION ALL
            SELECT last_updated, deleted, coalesce(exact_text, body::text) FROM \(unescaped: tables.history)
             WHERE id = \(id) AND version = \(wanted)
            """, logger: logger)
        for try await (lastUpdated, deleted, json) in rows.decode((Date, Bool, String?).self) {
            return try stored(type: type, id: id, version: version, lastUpdated: lastUpdated, deleted: deleted, json: json)
        }
        throw StoreError.versionNotFound(type: type, id: id, version: version)
    }

    // MARK: Writes

    /// Creates a resource with a new server-assigned id (`POST`).
    public func create(_ resource: JSONObject, type: String) async throws -> WriteResult {
        let tables = try writableTables(type)
        let id = FHIRId.generate()
        let now = FHIRInstant.now()
        let body = try storedBody(resource, type: type, id: id, version: 1, lastUpdated: now)
        try await insertFirstVersion(tables, type: type, id: id, body: body, now: now, audited: .create)
        return WriteResult(resource: body.stored, created: true)
    }

    /// Creates version 1 of `id` only if the id was never used; else `StoreError.alreadyExists`.
    /// For writers that must merge rather than overwrite when another writer got there first.
    public func create(_ resource: JSONObject, type: String, id: String) async throws -> WriteResult {
        let tables = try writableTables(type)
        let now = FHIRInstant.now()
        let body = try storedBody(resource, type: type, id: id, version: 1, lastUpdated: now)
        do {
            try await insertFirstVersion(tables, type: type, id: id, body: body, now: now, audited: .create)
        } catch let error as PSQLError where error.sqlState == "23505" && !database.isTransaction {
            throw StoreError.alreadyExists(type: type, id: id)
        }
        return WriteResult(resource: body.stored, created: true)
    }

    /// Replaces the resource `id` (`PUT`), creating it when it does not exist yet.
    /// - Parameter ifMatch: the version the client expects to replace (`If-Match`).
    public func update(_ resource: JSONObject, type: String, id: String, ifMatch: Int? = nil) async throws -> WriteResult {
        try await modify(type: type, id: id, ifMatch: ifMatch, createIfMissing: true, readsCurrent: false) { _ in resource }
    }

    /// Replaces the current version with `transform(current)` under a row lock (`PATCH`).
    /// `transform` may throw to abort; nothing is written then.
    public func modify(
        type: String, id: String, ifMatch: Int? = nil,
        transform: @Sendable (JSONObject) throws -> JSONObject
    ) async throws -> WriteResult {
        try await modify(type: type, id: id, ifMatch: ifMatch, createIfMissing: false, readsCurrent: true) { current in
            guard let current else { throw StoreError.notFound(type: type, id: id) }
            return try transform(current)
        }
    }

    /// Deletes the resource: its current row becomes a tombstone version, the old version goes
    /// to history. Returns nil when it was already deleted (nothing is written then).
    @discardableResult
    public func delete(type: String, id: String, ifMatch: Int? = nil) async throws -> StoredResource? {
        let tables = try writableTables(type)
        for _ in 0..<Self.maximumAttempts {
            // An audited delete names the patients the deleted version belonged to.
            let audited = auditedRequest != nil
            guard let current = try await readCurrent(tables, id: id, withBody: audited) else { throw StoreError.notFound(type: type, id: id) }
            if let ifMatch, ifMatch != current.version {
                throw StoreError.versionConflict(type: type, id: id, expected: ifMatch, current: current.version)
            }
            if current.deleted { return nil }
            let now = FHIRInstant.now()
            let version = current.version + 1
            let patients = audited ? try deletedPatients(current, type: type, id: id) : []
            if try await supersede(tables, type: type, id: id, replacing: current.version, operation: "D", now: now, body: nil,
                                   patients: patients, audited: .delete) {
                return StoredResource(type: type, id: id, version: version, lastUpdated: now, isDeleted: true, json: nil)
            }
        }
        throw StoreError.concurrentUpdate(type: type, id: id)
    }

    // MARK: History

    /// A page of versions in `query.scope`, newest first, read through the change log.
    public func history(_ query: HistoryQuery) async throws -> HistoryPage {
        var filters: [String] = []
        var binds = PostgresBindings()
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        switch query.scope {
        case .system: break
        case .type(let type):
            _ = try Tables(type, known: knownTypes)
            filters.append("resource_type = \(bind(type))")
        case .instance(let type, let id):
            _ = try Tables(type, known: knownTypes)
            filters.append("resource_type = \(bind(type)) AND id = \(bind(id))")
        }
        let scopeFilter = filters.isEmpty ? "TRUE" : filters.joined(separator: " AND ")
        var pageFilters = ["TRUE"]
        if let since = query.since { pageFilters.append("recorded_at >= \(bind(since.date))") }
        if let before = query.before { pageFilters.append("seq < \(bind(before))") }
        let source: String
        if let at = query.at {
            // A version is current from its own write until the next write of the same resource.
            source = """
                (SELECT *, lead(recorded_at) OVER (PARTITION BY resource_type, id ORDER BY seq) AS superseded_at
                   FROM change_log WHERE \(scopeFilter)) AS versions
                """
            pageFilters.append("recorded_at < \(bind(at.upperBound.date))")
            pageFilters.append("(superseded_at IS NULL OR superseded_at > \(bind(at.lowerBound.date)))")
        } else {
            source = "change_log"
            pageFilters.append(scopeFilter)
        }
        let limit = bind(Int64(query.count + 1))
        let sql = """
            SELECT seq, resource_type, id, version, operation, recorded_at FROM \(source)
             WHERE \(pageFilters.joined(separator: " AND ")) ORDER BY seq DESC LIMIT \(limit)
            """
        var positions: [(seq: Int64, type: String, id: String, version: Int, operation: String, at: Date)] = []
        let rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await row in rows.decode((Int64, String, String, Int32, String, Date).self) {
            positions.append((row.0, row.1, row.2, Int(row.3), row.4, row.5))
        }
        let hasMore = positions.count > query.count
        if hasMore { positions.removeLast() }
        let bodies = try await versionBodies(positions.map { ($0.type, $0.id, $0.version) })
        let entries = try positions.map { position in
            let key = ResourceVersion(type: position.type, id: position.id, version: position.version)
            let operation = HistoryPage.Entry.Operation(rawValue: position.operation) ?? .update
            let resource = try stored(type: position.type, id: position.id, version: position.version,
                                      lastUpdated: position.at, deleted: operation == .delete, json: bodies[key] ?? nil)
            return HistoryPage.Entry(position: position.seq, operation: operation, resource: resource)
        }
        var total: Int?
        if case .instance(let type, let id) = query.scope, query.since == nil, query.at == nil {
            let counted = try await database.query(
                "SELECT count(*) FROM change_log WHERE resource_type = \(type) AND id = \(id)", logger: logger)
            for try await count in counted.decode(Int64.self) { total = Int(count) }
        }
        return HistoryPage(entries: entries, nextBefore: hasMore ? positions.last?.seq : nil, total: total)
    }

    /// The JSON of each version (unsealed), read in a couple of queries per resource type: for
    /// readers of the change log that need many versions at once. Deletions, and versions no
    /// longer stored, are absent.
    public func read(versions: [ResourceVersion]) async throws -> [ResourceVersion: String] {
        let wanted = Set(versions)
        var texts: [ResourceVersion: String] = [:]
        for (key, json) in try await versionBodies(versions.map { ($0.type, $0.id, $0.version) }) {
            guard wanted.contains(key), let json else { continue }
            texts[key] = try sealer.unseal(json, type: key.type, id: key.id, version: key.version)
        }
        return texts
    }

    // MARK: Internals

    /// Fetches the bodies of the given versions as stored, a couple of queries per resource type.
    private func versionBodies(_ versions: [(type: String, id: String, version: Int)]) async throws -> [ResourceVersion: String?] {
        var result: [ResourceVersion: String?] = [:]
        for (type, members) in Dictionary(grouping: versions, by: \.type) {
            let tables = try Tables(type, known: knownTypes)
            let ids = members.map(\.id)
            let numbers = members.map { Int32(clamping: $0.version) }
            let rows = try await database.query(
                """
                SELECT id, version, coalesce(exact_text, body::text) FROM \(unescaped: tables.current)
                 WHERE id = ANY(\(ids))
                UNION ALL
                SELECT h.id, h.version, coalesce(h.exact_text, h.body::text) FROM \(unescaped: tables.history) h
                  JOIN unnest(\(ids)::text[], \(numbers)::int4[]) AS wanted(id, version)
                    ON h.id = wanted.id AND h.version = wanted.version
                """, logger: logger)
            for try await (id, version, json) in rows.decode((String, Int32, String?).self) {
                result[ResourceVersion(type: type, id: id, version: Int(version))] = json
            }
        }
        return result
    }

    private struct CurrentRow {
        let version: Int
        let deleted: Bool
        let json: String?
    }

    struct Body {
        let stored: StoredResource
        let json: String
        let exactText: String?
        let index: SearchIndexRows
        /// Its Patient compartment, for the audit record of its write (empty when not auditing).
        let patients: [String]
    }

    /// How often a write that lost a race to a concurrent writer is tried again.
    private static let maximumAttempts = 32

    /// The shared update path, optimistic: read the current version, let `makeResource` produce
    /// the new content, then replace that version in one statement that only succeeds if nobody
    /// changed the resource in between; otherwise read again and retry. Two round trips, no
    /// explicit transaction, and no lock held while the new content is built and validated.
    /// `readsCurrent`: whether `makeResource` needs the current content (patch) or ignores it (update).
    private func modify(
        type: String, id: String, ifMatch: Int?, createIfMissing: Bool, readsCurrent: Bool,
        makeResource: @Sendable (JSONObject?) throws -> JSONObject
    ) async throws -> WriteResult {
        let tables = try writableTables(type)
        let interaction: AuditInteraction = readsCurrent ? .patch : .update
        for _ in 0..<Self.maximumAttempts {
            let current = try await readCurrent(tables, id: id, withBody: readsCurrent)
            if let ifMatch, ifMatch != current?.version {
                throw StoreError.versionConflict(type: type, id: id, expected: ifMatch, current: current?.version)
            }
            let now = FHIRInstant.now()
            guard let current else {
                guard createIfMissing else { throw StoreError.notFound(type: type, id: id) }
                let body = try storedBody(try makeResource(nil), type: type, id: id, version: 1, lastUpdated: now)
                do {
                    try await insertFirstVersion(tables, type: type, id: id, body: body, now: now, audited: interaction)
                    return WriteResult(resource: body.stored, created: true)
                } catch let error as PSQLError where error.sqlState == "23505" && !database.isTransaction {
                    continue  // a concurrent create of the same id won; try again as an update
                }
            }
            if current.deleted, !createIfMissing { throw StoreError.deleted(type: type, id: id, version: current.version) }
            let previous = current.deleted || !readsCurrent ? nil : try currentObject(current, type: type, id: id)
            let body = try storedBody(try makeResource(previous), type: type, id: id, version: current.version + 1, lastUpdated: now)
            if try await supersede(tables, type: type, id: id, replacing: current.version, operation: "U", now: now, body: body,
                                   patients: body.patients, audited: interaction) {
                return WriteResult(resource: body.stored, created: current.deleted)
            }
            if let ifMatch {
                // The version the client named was current when read, but another write got in first.
                throw StoreError.versionConflict(type: type, id: id, expected: ifMatch, current: nil)
            }
        }
        throw StoreError.concurrentUpdate(type: type, id: id)
    }

    /// The Patient compartment of the version a delete supersedes.
    private func deletedPatients(_ row: CurrentRow, type: String, id: String) throws -> [String] {
        guard !row.deleted, row.json != nil else { return [] }
        let resource = try currentObject(row, type: type, id: id)
        let entries = (try? indexer.indexValues(for: .object(resource), only: patientCompartmentCodes(type))) ?? []
        return patientReferences(entries, type: type, id: id)
    }

    /// The tables of a type the API may write: every known type but AuditEvent, whose records
    /// only the audit log appends.
    func writableTables(_ type: String) throws -> Tables {
        guard type != "AuditEvent" else { throw StoreError.appendOnly(type: type) }
        return try Tables(type, known: knownTypes)
    }

    private func currentObject(_ row: CurrentRow, type: String, id: String) throws -> JSONObject {
        guard let json = row.json else { throw StoreError.unreadable(type: type, id: id, reason: "empty body") }
        return try currentObject(json: json, type: type, id: id, version: row.version)
    }

    /// The resource a stored body holds, unsealed and parsed.
    func currentObject(json: String, type: String, id: String, version: Int) throws -> JSONObject {
        let text = try sealer.unseal(json, type: type, id: id, version: version)
        guard let object = (try? JSONReader.parse(text))?.objectValue else {
            throw StoreError.unreadable(type: type, id: id, reason: "stored body is not a JSON object")
        }
        return object
    }

    /// The current row's version and deleted flag, and its body when `withBody`. Inside a
    /// transaction the row is locked until commit, so the version read stays current.
    private func readCurrent(_ tables: Tables, id: String, withBody: Bool) async throws -> CurrentRow? {
        let body = withBody ? "coalesce(exact_text, body::text)" : "NULL::text"
        let lock = database.isTransaction ? " FOR UPDATE" : ""
        let rows = try await database.query(
            "SELECT version, deleted, \(unescaped: body) FROM \(unescaped: tables.current) WHERE id = \(id)\(unescaped: lock)", logger: logger)
        for try await (version, deleted, json) in rows.decode((Int32, Bool, String?).self) {
            return CurrentRow(version: Int(version), deleted: deleted, json: json)
        }
        return nil
    }

    /// Inserts version 1 of a resource, its search index rows and its change-log row, in one statement.
    /// `audited`: the interaction an audited request's record names.
    private func insertFirstVersion(
        _ tables: Tables, type: String, id: String, body: Body, now: FHIRInstant, audited interaction: AuditInteraction
    ) async throws {
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(now.date)
        binds.append(body.json)
        binds.append(body.exactText)
        binds.append(type)
        var statements = ["""
            inserted AS (
                INSERT INTO \(tables.current) (id, version, last_updated, body, exact_text)
                VALUES ($1, 1, $2, $3::jsonb, $4) RETURNING key
            )
            """]
        var indexWrites = [body.index.writeCall(keyFrom: "inserted", replacing: false, binds: &binds)]
        let request = auditedRequest
        if let request {
            let audit = try auditBody(for: request, interaction: interaction, type: type, id: id, version: 1, patients: body.patients, now: now)
            let record = auditStatements(audit, after: "inserted", binds: &binds)
            statements += record.statements
            indexWrites.append(record.indexWrite)
        }
        let sql = """
            WITH \(statements.joined(separator: ",\n"))
            INSERT INTO change_log (resource_type, id, version, operation, recorded_at)
            SELECT $5, $1, 1, 'C', $2 WHERE \(Self.evaluated(indexWrites))
            """
        _ = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        request?.noteRecordedWrite()
        committedChange()
    }

    /// Moves version `replacing` to history, overwrites the current row with the next version (a
    /// tombstone when `body` is nil) and appends to the change log, in one atomic statement.
    /// Returns false, writing nothing, when the current row is no longer version `replacing`
    /// (a concurrent writer got in first).
    private func supersede(
        _ tables: Tables, type: String, id: String, replacing version: Int, operation: String, now: FHIRInstant,
        body: Body?, patients: [String], audited interaction: AuditInteraction
    ) async throws -> Bool {
        let oldVersion = Int32(clamping: version)
        let newVersion = Int32(clamping: version + 1)
        let deleted = body == nil
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(oldVersion)
        binds.append(newVersion)
        binds.append(now.date)
        binds.append(deleted)
        binds.append(body?.json)
        binds.append(body?.exactText)
        binds.append(type)
        binds.append(operation)
        var statements = ["""
            archived AS (
                INSERT INTO \(tables.history) (key, id, version, last_updated, deleted, body, exact_text)
                SELECT key, id, version, last_updated, deleted, body, exact_text FROM \(tables.current)
                 WHERE id = $1 AND version = $2
            )
            """, """
            replaced AS (
                UPDATE \(tables.current)
                   SET version = $3, last_updated = $4, deleted = $5, body = $6::jsonb, exact_text = $7
                 WHERE id = $1 AND version = $2
                 RETURNING id, key
            )
            """]
        var indexWrites = [(body?.index ?? SearchIndexRows()).writeCall(keyFrom: "replaced", replacing: true, binds: &binds)]
        let request = auditedRequest
        if let request {
            let audit = try auditBody(for: request, interaction: interaction, type: type, id: id, version: version + 1, patients: patients, now: now)
            let record = auditStatements(audit, after: "replaced", binds: &binds)
            statements += record.statements
            indexWrites.append(record.indexWrite)
        }
        let sql = """
            WITH \(statements.joined(separator: ",\n"))
            INSERT INTO change_log (resource_type, id, version, operation, recorded_at)
            SELECT $8, id, $3, $9::"char", $4 FROM replaced WHERE \(Self.evaluated(indexWrites))
            RETURNING seq
            """
        do {
            let rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            var replaced = false
            for try await _ in rows.decode(Int64.self) { replaced = true }
            if replaced {
                request?.noteRecordedWrite()
                committedChange()
            }
            return replaced
        } catch let error as PSQLError where error.sqlState == "23505" && !database.isTransaction {
            return false  // the concurrent writer archived the same version first
        }
    }

    /// A condition that makes PostgreSQL evaluate each of `indexWrites` (scalar subqueries
    /// from `SearchIndexRows.writeCall`, each run once) as part of a statement's main query.
    static func evaluated(_ indexWrites: [String]) -> String {
        indexWrites.map { "\($0) >= 0" }.joined(separator: " AND ")
    }

    /// Stamps `id` and `meta`, seals, and serializes the resource for storage.
    func storedBody(_ resource: JSONObject, type: String, id: String, version: Int, lastUpdated: FHIRInstant) throws -> Body {
        var meta = resource["meta"]?.objectValue ?? JSONObject()
        meta["versionId"] = .string(String(version))
        meta["lastUpdated"] = .string(lastUpdated.fhirString)
        // resourceType, id and meta lead, as FHIR's own examples have it; the rest keep their order.
        let leading: Set<String> = ["resourceType", "id", "meta"]
        let object = JSONObject(uniqueMembers: [("resourceType", .string(type)), ("id", .string(id)), ("meta", .object(meta))]
            + resource.members.filter { !leading.contains($0.key) })
        let resourceJSON = JSONWriter.string(.object(object))
        let sealed = try sealer.seal(object, type: type, id: id, version: version)
        let storedJSON = sealer.isIdentity ? resourceJSON : JSONWriter.string(.object(sealed))
        let exactText = JSONBFidelity.preservesNumbers(.object(sealed)) ? nil : storedJSON
        let stored = StoredResource(type: type, id: id, version: version, lastUpdated: lastUpdated, isDeleted: false, json: resourceJSON)
        let entries: [SearchIndexEntry]
        do {
            entries = try indexer.indexValues(for: .object(object))
        } catch {
            throw StoreError.unindexable(type: type, id: id, reason: error.description)
        }
        let index = try SearchIndexRows(entries: entries, resourceType: type, registry: indexer.registry, blindIndex: blindIndex)
        let patients = auditing && type != "AuditEvent" ? patientReferences(entries, type: type, id: id) : []
        return Body(stored: stored, json: storedJSON, exactText: exactText, index: index, patients: patients)
    }

    /// Rings `changeSignal` after a write to the change log, unless an open transaction holds
    /// it (`transaction` rings at its commit).
    func committedChange() {
        if !database.isTransaction { changeSignal.ring() }
    }

    func stored(type: String, id: String, version: Int, lastUpdated: Date, deleted: Bool, json: String?) throws -> StoredResource {
        let text = try json.map { try sealer.unseal($0, type: type, id: id, version: version) }
        return StoredResource(type: type, id: id, version: version, lastUpdated: FHIRInstant(date: lastUpdated),
                              isDeleted: deleted, json: deleted ? nil : text)
    }
}

/// Table names of one resource type; only known types get here, so the names are safe in SQL.
struct Tables {
    let current: String
    let history: String

    init(_ type: String, known: Set<String>) throws(StoreError) {
        guard known.contains(type) else { throw .unknownType(type) }
        current = "r_" + type.lowercased()
        history = "h_" + type.lowercased()
    }
}

/// Whether PostgreSQL `jsonb` returns a document's numbers exactly as written.
enum JSONBFidelity {
    /// `jsonb` stores numbers as `numeric`: it expands exponents and drops the sign of zero.
    static func preservesNumbers(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let lexeme):
            if lexeme.contains(where: { $0 == "e" || $0 == "E" }) { return false }
            if lexeme.hasPrefix("-") { return lexeme.contains(where: { $0 >= "1" && $0 <= "9" }) }
            return true
        case .array(let elements): return elements.allSatisfy(preservesNumbers)
        case .object(let object): return object.members.allSatisfy { preservesNumbers($0.value) }
        case .null, .bool, .string: return true
        }
    }
}
