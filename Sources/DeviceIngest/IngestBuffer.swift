import FHIRCore
import FHIRStore
import Foundation
import Logging
import PostgresNIO

/// One accepted POST /ingest: its messages (envelopes) and when they arrived; or measurements
/// queued again from dead letters.
public struct IngestBatch: Sendable {
    public let id: Int64
    public let receivedAt: FHIRInstant
    public let messages: [JSONValue]
    /// The messages are normalized measurements (`Measurement.jsonValue`), not device messages.
    public let holdsMeasurements: Bool
    /// The device whose key posted the messages: they may only yield measurements of this
    /// device. Nil when no device key authenticated the POST (token callers, auth off).
    public let deviceId: String?
}

/// The durable buffer between `POST /ingest` and the workers (`ingest_batch`), and the
/// dead-letter table for messages that could not become Observations. Messages are stored
/// through the store's sealer, so with encryption on they are ciphertext at rest too.
public struct IngestBuffer: Sendable {
    let client: PostgresClient
    let sealer: any ResourceSealer
    let logger: Logger
    /// How long a claimed batch stays with its worker before another may take it.
    static let lease = "60 seconds"
    /// What sealed batch and dead-letter texts are bound to.
    static let batchContext = "ingest_batch"
    static let deadLetterContext = "ingest_dead_letter"
    static let batchDeviceContext = "ingest_batch.device_id"
    static let deadLetterDeviceContext = "ingest_dead_letter.device_id"

    public init(client: PostgresClient, sealer: any ResourceSealer, logger: Logger) {
        self.client = client
        self.sealer = sealer
        self.logger = logger
    }

    /// Whether the buffer's tables exist (the server applies migrations while workers start).
    public func isAvailable() async -> Bool {
        guard let rows = try? await client.query("SELECT to_regclass('ingest_batch') IS NOT NULL", logger: logger) else {
            return false
        }
        do {
            for try await exists in rows.decode(Bool.self) { return exists }
        } catch {
            return false
        }
        return false
    }

    /// Stores a batch; when this returns, the messages are committed in PostgreSQL.
    /// - Parameter deviceId: the device whose key authenticated the POST, if one did.
    public func append(_ messages: [JSONValue], deviceId: String? = nil) async throws -> Int64 {
        try await insertBatch(messages, holdsMeasurements: false, deviceId: deviceId, on: .pool(client))
    }

    /// Where a batch is inserted: any pooled connection, or one inside a transaction.
    enum Executor {
        case pool(PostgresClient)
        case connection(PostgresConnection)

        func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
            switch self {
            case .pool(let client): try await client.query(query, logger: logger)
            case .connection(let connection): try await connection.query(query, logger: logger)
            }
        }
    }

    private func insertBatch(_ messages: [JSONValue], holdsMeasurements: Bool, deviceId: String?,
                             on executor: Executor) async throws -> Int64 {
        let text = try sealer.sealText(JSONWriter.string(.array(messages)), context: Self.batchContext)
        let device = try deviceId.map { try sealer.sealText($0, context: Self.batchDeviceContext) }
        let count = Int32(clamping: messages.count)
        let kind = holdsMeasurements ? "measurements" : "messages"
        let rows = try await executor.query(
            """
            INSERT INTO ingest_batch (messages, message_count, content_kind, device_id)
            VALUES (\(text), \(count), \(kind), \(device)) RETURNING id
            """, logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        throw IngestError.storage("the batch was not stored")
    }

    /// Which pending batches a worker takes at once.
    public enum Claim: Sendable {
        /// Exactly this batch (`POST /ingest?wait=true`).
        case batch(Int64)
        /// The batches nobody holds, oldest first, up to about `maxMessages` messages (always at
        /// least one batch), once the oldest of them was received at least `minimumAge` ago:
        /// processed together, a window's readings merge into its Observation in one write
        /// instead of one per batch. Younger batches go along rather than wait for the next
        /// round, which cannot start before the next batch is `minimumAge` old either, so an
        /// Observation still gets at most one write per `minimumAge`.
        case oldest(maxMessages: Int, minimumAge: Duration)
    }

    /// Claims pending batches nobody holds, leasing them to this worker; empty when there are none.
    public func claim(_ claim: Claim) async throws -> [IngestBatch] {
        let (only, maxMessages, ageMilliseconds): (Int64?, Int64, Int64) = switch claim {
        case .batch(let id): (id, 1, 0)
        case .oldest(let maxMessages, let minimumAge):
            (nil, Int64(maxMessages), Int64(minimumAge / .milliseconds(1)))
        }
        let rows = try await client.query(
            """
            WITH candidates AS (
                SELECT id, sum(message_count) OVER (ORDER BY id) - message_count AS before,
                       min(received_at) OVER () AS oldest FROM (
                    SELECT id, message_count, received_at FROM ingest_batch
                     WHERE state = 'pending' AND (lease_until IS NULL OR lease_until < now())
                       AND (\(only)::bigint IS NULL OR id = \(only)::bigint)
                     ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED
                ) AS pending
            )
            UPDATE ingest_batch b SET lease_until = now() + \(Self.lease)::interval, attempts = attempts + 1
              FROM candidates c
             WHERE b.id = c.id AND c.before < \(maxMessages)
               AND c.oldest <= now() - \(ageMilliseconds) * interval '1 millisecond'
            RETURNING b.id, b.received_at, b.messages, b.content_kind = 'measurements', b.device_id
            """, logger: logger)
        var batches: [IngestBatch] = []
        for try await (batchId, receivedAt, stored, holdsMeasurements, storedDevice) in rows.decode((Int64, Date, String, Bool, String?).self) {
            let text: String
            let deviceId: String?
            do {
                text = try sealer.unsealText(stored, context: Self.batchContext)
                deviceId = try storedDevice.map { try sealer.unsealText($0, context: Self.batchDeviceContext) }
            } catch {
                // Left pending and leased: it stays in the table (and in the pending count)
                // for an operator, without blocking the batches behind it.
                logger.error("ingest batch \(batchId) cannot be decrypted; skipped", metadata: ["reason": "\(error)"])
                continue
            }
            let messages = (try? JSONReader.parse(text))?.arrayValue ?? []
            batches.append(IngestBatch(id: batchId, receivedAt: FHIRInstant(date: receivedAt), messages: messages,
                                       holdsMeasurements: holdsMeasurements, deviceId: deviceId))
        }
        return batches.sorted { $0.id < $1.id }
    }

    /// Marks batches processed together, recording what they produced (on the first of them,
    /// so totals add up) and the messages that failed, in one transaction.
    public func complete(_ batches: [IngestBatch], report: IngestPipeline.Report) async throws {
        guard let first = batches.first?.id else { return }
        let deadLetters = report.deadLetters
        let counts = Dictionary(grouping: report.observations, by: \.outcome).mapValues { Int32($0.count) }
        let batchIds = deadLetters.map { $0.batchId ?? first }
        let stages = deadLetters.map(\.stage.rawValue)
        let reasons = deadLetters.map(\.reason)
        let typeNames = deadLetters.map { $0.typeName ?? "" }
        let messages = try deadLetters.map { letter in
            try letter.message.map { try sealer.sealText(JSONWriter.string($0), context: Self.deadLetterContext) } ?? ""
        }
        let devices = try deadLetters.map { letter in
            try letter.deviceId.map { try sealer.sealText($0, context: Self.deadLetterDeviceContext) } ?? ""
        }
        let ids = batches.map(\.id)
        try await client.query(
            """
            WITH letters AS (
                INSERT INTO ingest_dead_letter (batch_id, stage, reason, type_name, message, device_id)
                SELECT batch_id, stage, reason, nullif(type_name, ''), nullif(message, ''), nullif(device_id, '')
                  FROM unnest(\(batchIds)::bigint[], \(stages)::text[], \(reasons)::text[], \(typeNames)::text[], \(messages)::text[],
                              \(devices)::text[])
                       AS letter(batch_id, stage, reason, type_name, message, device_id)
            )
            UPDATE ingest_batch SET state = 'done', processed_at = now(), lease_until = NULL,
                   measurements = CASE WHEN id = \(first) THEN \(Int32(report.measurements)) ELSE 0 END,
                   unmapped = CASE WHEN id = \(first) THEN \(Int32(report.unmapped)) ELSE 0 END,
                   created = CASE WHEN id = \(first) THEN \(counts["created"] ?? 0) ELSE 0 END,
                   updated = CASE WHEN id = \(first) THEN \(counts["updated"] ?? 0) ELSE 0 END,
                   unchanged = CASE WHEN id = \(first) THEN \(counts["unchanged"] ?? 0) ELSE 0 END
             WHERE id = ANY(\(ids))
            """, logger: logger)
    }

    /// Totals over every batch (all replicas), and the latency from receipt to processing of
    /// the batches processed in the last hour.
    public func statistics() async throws -> JSONValue {
        let rows = try await client.query(
            """
            SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'done'),
                   coalesce(sum(message_count), 0), coalesce(sum(message_count) FILTER (WHERE state = 'done'), 0),
                   coalesce(sum(measurements), 0), coalesce(sum(unmapped), 0),
                   coalesce(sum(created), 0), coalesce(sum(updated), 0), coalesce(sum(unchanged), 0),
                   (SELECT count(*) FROM ingest_dead_letter),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at))
                       FILTER (WHERE processed_at > now() - interval '1 hour'),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at))
                       FILTER (WHERE processed_at > now() - interval '1 hour')
              FROM ingest_batch
            """, logger: logger)
        for try await row in rows.decode((Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Double?, Double?).self) {
            func number(_ value: Int64) -> JSONValue { .number(String(value)) }
            func milliseconds(_ seconds: Double?) -> JSONValue { seconds.map { .number(String(Int(($0 * 1000).rounded()))) } ?? .null }
            return [
                "batches": ["pending": number(row.0), "processed": number(row.1)],
                "messages": ["received": number(row.2), "processed": number(row.3)],
                "measurements": number(row.4),
                "unmapped": number(row.5),
                "failed": number(row.9),
                "observations": ["created": number(row.6), "updated": number(row.7), "unchanged": number(row.8)],
                "latencyLastHour": ["p50Ms": milliseconds(row.10), "p99Ms": milliseconds(row.11)],
            ]
        }
        return .null
    }

    /// Queues dead letters again (those in `ids`, or all), in one transaction: device messages
    /// that failed normalization or were refused for another device's measurements go into new
    /// batches of messages, one per device that posted them (so they are checked against it
    /// again), measurements that failed identity or Observation writing into a new batch of
    /// measurements; the letters are removed. Returns how many letters were queued and the new
    /// batch ids.
    public func retryDeadLetters(ids: [Int64]?) async throws -> (letters: Int, batches: [Int64]) {
        try await client.inTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    DELETE FROM ingest_dead_letter
                     WHERE message IS NOT NULL AND (\(ids)::bigint[] IS NULL OR id = ANY(\(ids)::bigint[]))
                    RETURNING id, stage, message, device_id
                    """, logger: logger)
                var letters: [(id: Int64, stage: String, message: String, device: String?)] = []
                for try await letter in rows.decode((Int64, String, String, String?).self) { letters.append(letter) }
                var messages: [(deviceId: String?, messages: [JSONValue])] = []
                var measurements: [JSONValue] = []
                for letter in letters.sorted(by: { $0.id < $1.id }) {
                    let text = try sealer.unsealText(letter.message, context: Self.deadLetterContext)
                    guard let message = try? JSONReader.parse(text) else { continue }
                    switch DeadLetter.Stage(rawValue: letter.stage) {
                    case .normalize, .authorization:
                        let deviceId = try letter.device.map { try sealer.unsealText($0, context: Self.deadLetterDeviceContext) }
                        if let index = messages.firstIndex(where: { $0.deviceId == deviceId }) {
                            messages[index].messages.append(message)
                        } else {
                            messages.append((deviceId, [message]))
                        }
                    case .identity, .observation, nil:
                        measurements += message.arrayValue ?? []
                    }
                }
                var batches: [Int64] = []
                for (deviceId, group) in messages {
                    batches.append(try await insertBatch(group, holdsMeasurements: false, deviceId: deviceId, on: .connection(connection)))
                }
                if !measurements.isEmpty {
                    batches.append(try await insertBatch(measurements, holdsMeasurements: true, deviceId: nil, on: .connection(connection)))
                }
                return (letters.count, batches)
        }
    }

    /// Seals every stored batch and dead-letter message under the active data key (after a
    /// key rotation, or when encryption was turned on), `batchSize` rows at a time. Stored
    /// messages never change, so each row is rewritten only if it still holds what was read.
    /// Returns how many rows were rewritten.
    public func reencrypt(batchSize: Int = 500) async throws -> Int {
        let stores = [("ingest_batch", "messages", Self.batchContext), ("ingest_dead_letter", "message", Self.deadLetterContext),
                      ("ingest_batch", "device_id", Self.batchDeviceContext), ("ingest_dead_letter", "device_id", Self.deadLetterDeviceContext)]
        var count = 0
        for (table, column, context) in stores {
            var after: Int64 = 0
            while true {
                var select = PostgresBindings()
                select.append(after)
                select.append(Int64(batchSize))
                let rows = try await client.query(PostgresQuery(unsafeSQL: """
                    SELECT id, \(column) FROM \(table) WHERE id > $1 AND \(column) IS NOT NULL ORDER BY id LIMIT $2
                    """, binds: select), logger: logger)
                var batch: [(id: Int64, text: String)] = []
                for try await row in rows.decode((Int64, String).self) { batch.append(row) }
                guard let last = batch.last else { break }
                for row in batch where !sealer.isCurrent(storedText: row.text) {
                    var update = PostgresBindings()
                    update.append(try sealer.sealText(try sealer.unsealText(row.text, context: context), context: context))
                    update.append(row.id)
                    update.append(row.text)
                    let updated = try await client.query(PostgresQuery(unsafeSQL: """
                        UPDATE \(table) SET \(column) = $1 WHERE id = $2 AND \(column) = $3 RETURNING id
                        """, binds: update), logger: logger)
                    for try await _ in updated.decode(Int64.self) { count += 1 }
                }
                after = last.id
            }
        }
        return count
    }

    /// How many stored texts of batches and dead letters (their messages, and the device ids
    /// that posted them) each data key seals (nil: plaintext, written while encryption was
    /// off). For `vesta keys status`.
    public func keyUsage() async throws -> [UInt32?: Int] {
        let rows = try await client.query(
            """
            SELECT CASE WHEN text LIKE '$vesta$%' THEN split_part(text, '$', 3) END, count(*) FROM (
                SELECT messages AS text FROM ingest_batch
                UNION ALL SELECT message FROM ingest_dead_letter WHERE message IS NOT NULL
                UNION ALL SELECT device_id FROM ingest_batch WHERE device_id IS NOT NULL
                UNION ALL SELECT device_id FROM ingest_dead_letter WHERE device_id IS NOT NULL
            ) AS stored GROUP BY 1
            """, logger: logger)
        var usage: [UInt32?: Int] = [:]
        for try await (keyID, count) in rows.decode((String?, Int64).self) {
            usage[keyID.flatMap { UInt32($0) }, default: 0] += Int(count)
        }
        return usage
    }

    /// The most recent dead letters, newest first.
    public func deadLetters(limit: Int) async throws -> [JSONValue] {
        let rows = try await client.query(
            """
            SELECT id, batch_id, stage, reason, type_name, message, recorded_at, device_id FROM ingest_dead_letter
             ORDER BY id DESC LIMIT \(Int64(limit))
            """, logger: logger)
        var letters: [JSONValue] = []
        for try await (id, batchId, stage, reason, typeName, message, recordedAt, device)
            in rows.decode((Int64, Int64, String, String, String?, String?, Date, String?).self) {
            var letter: JSONObject = ["id": .number(String(id)), "batch": .number(String(batchId)),
                                      "stage": .string(stage), "reason": .string(reason)]
            letter["typeName"] = typeName.map(JSONValue.string)
            letter["message"] = try message.flatMap { try JSONReader.parse(try sealer.unsealText($0, context: Self.deadLetterContext)) }
            letter["recorded"] = .string(FHIRInstant(date: recordedAt).fhirString)
            letter["postedBy"] = try device.map { .string(try sealer.unsealText($0, context: Self.deadLetterDeviceContext)) }
            letters.append(.object(letter))
        }
        return letters
    }
}

/// A message, or a group of measurements, that could not become an Observation.
public struct DeadLetter: Sendable {
    /// `authorization`: a device-key batch's message yielded measurements of another device.
    public enum Stage: String, Sendable { case normalize, authorization, identity, observation }
    public let stage: Stage
    public let reason: String
    public let typeName: String?
    public let message: JSONValue?
    /// The batch the message came in; nil for measurement groups (they may span the batches
    /// processed together; recorded under the first).
    public var batchId: Int64? = nil
    /// The device whose key posted the message (`IngestBatch.deviceId`), kept so a retry is
    /// checked against it again.
    public var deviceId: String? = nil
}

/// Why ingestion could not proceed at all (as opposed to one message failing).
public enum IngestError: Error, Sendable, CustomStringConvertible {
    case storage(String)

    public var description: String {
        switch self {
        case .storage(let reason): "ingest storage: \(reason)"
        }
    }
}
