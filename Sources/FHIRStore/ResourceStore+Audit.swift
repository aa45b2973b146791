import Audit
import FHIRCore
import FHIRSearch
import Foundation
import PostgresNIO

/// The audit log's side of the store (DESIGN §6): a write made for an audited request carries
/// its AuditEvent in the same statement (so both commit or neither does); other interactions'
/// records are appended by `appendAudits`. AuditEvents are resources of `r_auditevent`, sealed
/// and indexed like any other, never superseded, and kept out of the change log.
extension ResourceStore {
    /// The request a write is audited for: auditing on and a request bound to the task.
    var auditedRequest: AuditRequest? {
        auditing ? AuditRequest.current : nil
    }

    /// The codes of the parameters that put a `type` resource in a Patient's compartment.
    func patientCompartmentCodes(_ type: String) -> Set<String> {
        Set(registry.compartments(for: type).first { $0.compartment == "Patient" }?.parameterCodes ?? [])
    }

    /// The `Patient/id` references of a resource's Patient compartment, from its index entries.
    func patientReferences(_ entries: [SearchIndexEntry], type: String, id: String) -> [String] {
        if type == "Patient" { return ["Patient/\(id)"] }
        let codes = patientCompartmentCodes(type)
        var patients: [String] = []
        for entry in entries where codes.contains(entry.parameterCode) {
            if case .reference(.relative("Patient", let patient, _)) = entry.value, !patients.contains("Patient/\(patient)") {
                patients.append("Patient/\(patient)")
            }
        }
        return patients
    }

    /// The patients whose data `resource` is (its Patient compartment), for audit records of reads.
    public func patientReferences(of resource: StoredResource) -> [String] {
        patientReferences(type: resource.type, id: resource.id, json: resource.json)
    }

    /// The patients whose data the resource `type`/`id` with this JSON is.
    public func patientReferences(type: String, id: String, json: String?) -> [String] {
        if type == "Patient" { return ["Patient/\(id)"] }
        guard let json, let value = try? JSONReader.parse(json) else { return [] }
        return patientReferences(type: type, id: id, value: value)
    }

    /// The patients whose data the resource `type`/`id` with this content is.
    public func patientReferences(type: String, id: String, value: JSONValue) -> [String] {
        if type == "Patient" { return ["Patient/\(id)"] }
        let codes = patientCompartmentCodes(type)
        guard !codes.isEmpty else { return [] }
        let entries = (try? indexer.indexValues(for: value, only: codes)) ?? []
        return patientReferences(entries, type: type, id: id)
    }

    /// Whether resources of `type` can belong to a Patient's compartment.
    public func isInPatientCompartment(_ type: String) -> Bool {
        type == "Patient" || !patientCompartmentCodes(type).isEmpty
    }

    /// The AuditEvent of one write, ready to store.
    func auditBody(
        for request: AuditRequest, interaction: AuditInteraction, type: String, id: String, version: Int, patients: [String], now: FHIRInstant
    ) throws -> Body {
        let event = AuditEventBuilder.event(
            id: FHIRId.generate(), interaction: interaction, status: version == 1 ? 201 : 200, agent: request.agent,
            entities: AuditEntities(resources: ["\(type)/\(id)/_history/\(version)"], patients: patients), recorded: now)
        return try storedBody(event, type: "AuditEvent", id: event["id"]?.stringValue ?? "", version: 1, lastUpdated: now)
    }

    /// CTEs that insert `audit` once per row the CTE `source` returns, and the expression that
    /// writes its index rows (the statement's main query must evaluate it).
    func auditStatements(_ audit: Body, after source: String, binds: inout PostgresBindings) -> (statements: [String], indexWrite: String) {
        binds.append(audit.stored.id)
        let id = "$\(binds.count)"
        binds.append(audit.stored.lastUpdated.date)
        let recorded = "$\(binds.count)"
        binds.append(audit.json)
        let body = "$\(binds.count)"
        binds.append(audit.exactText)
        let exactText = "$\(binds.count)"
        let statements = ["""
            audit_key AS (SELECT nextval('resource_key_seq') AS key FROM \(source))
            """, """
            audit AS (
                INSERT INTO r_auditevent (key, id, version, last_updated, body, exact_text)
                SELECT key, \(id), 1, \(recorded), \(body)::jsonb, \(exactText) FROM audit_key
            )
            """]
        return (statements, audit.index.writeCall(keyFrom: "audit_key", replacing: false, binds: &binds))
    }

    /// Appends the AuditEvents of interactions that wrote nothing (reads, searches, failed
    /// writes, notifications); when this returns, the records are committed.
    public func appendAudits(_ events: [JSONObject]) async throws {
        try await appendAudits(events.map(prepareAudit))
    }

    /// An AuditEvent stamped, sealed, serialized and indexed, ready to append. Requests prepare
    /// their own records, so concurrent requests do that work in parallel and a group commit
    /// only writes what they prepared.
    public func prepareAudit(_ event: JSONObject) throws -> PreparedAudit {
        let id = event["id"]?.stringValue ?? FHIRId.generate()
        let recorded = event["recorded"]?.stringValue.flatMap { FHIRDateRange(parsing: $0)?.start } ?? FHIRInstant.now()
        return PreparedAudit(body: try storedBody(event, type: "AuditEvent", id: id, version: 1, lastUpdated: recorded))
    }

    /// Appends prepared AuditEvents; when this returns, the records are committed. Any number
    /// of records (one read's, a group commit's, a buffered flush's) is one call of
    /// `vesta_append_audits` (migration 0015), whose statements are planned once per connection.
    public func appendAudits(_ records: [PreparedAudit]) async throws {
        var start = 0
        while start < records.count {
            try await appendAuditChunk(records[start..<min(start + Self.createChunkSize, records.count)])
            start += Self.createChunkSize
        }
    }

    private func appendAuditChunk(_ records: ArraySlice<PreparedAudit>) async throws {
        var binds = PostgresBindings()
        binds.append(records.map(\.body.stored.id))
        binds.append(records.map(\.body.stored.lastUpdated.date))
        binds.append(records.map(\.body.json))
        binds.append(records.map { $0.body.exactText ?? "" })
        let index = SearchIndexRows.numberedArguments(records.map(\.body.index), binds: &binds)
        let sql = "SELECT vesta_append_audits($1::text[], $2::timestamptz[], $3::text[], $4::text[], \(index))"
        // Read to the end: an error of the function's execution arrives in place of its row.
        _ = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
    }
}

/// An AuditEvent ready to append (`ResourceStore.prepareAudit`).
public struct PreparedAudit: Sendable {
    let body: ResourceStore.Body
}
