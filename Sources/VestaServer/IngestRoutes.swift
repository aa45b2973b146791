import Access
import DeviceIngest
import DeviceMapping
import FHIRCore
import Hummingbird

/// `POST /ingest` (one JSON message, a JSON array of messages, or NDJSON): the batch is
/// committed in PostgreSQL, then 202; with `?wait=true` it is processed before answering and the
/// answer lists the Observations written. `GET /ingest/errors` lists dead letters,
/// `POST /ingest/errors/$retry[?id=1,2]` queues them again (after a mapping or data fix),
/// `GET /ingest/stats` what ingestion has done.
///
/// A POST authenticated by a device key (`AccessGrant.current` is `.device(id:)`) is bound to
/// that device: its messages carry the id as `SystemProperties.iothub-connection-device-id`,
/// and the worker refuses its measurements of any other device (dead letters, stage
/// `authorization`).
struct IngestRoutes: Sendable {
    let pipeline: IngestPipeline
    let maxBodySize: Int

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("ingest") { request, _ -> Response in
            guard try await pipeline.mappings.current() != nil else {
                throw FHIRError(.serviceUnavailable, .notSupported,
                                "device ingestion needs mappings: PUT /mappings/device and /mappings/fhir, or start vesta with --mappings-dir")
            }
            let device = Self.postingDevice()
            let messages = Self.envelopes(try await Self.messages(request, limit: maxBodySize), from: request, device: device)
            let batch = try await pipeline.buffer.append(messages, deviceId: device)
            var answer: JSONObject = ["batch": .number(String(batch)), "messages": .number(String(messages.count))]
            guard request.uri.queryParameters.get("wait") == "true" else {
                return FHIRResponses.json(.object(answer), status: .accepted, pretty: false)
            }
            // A worker may have claimed it already; then it is answered as accepted.
            if let report = try await pipeline.processNext(id: batch) {
                answer["result"] = report.json
                return FHIRResponses.json(.object(answer), status: .ok, pretty: ResponseOptions(request).pretty)
            }
            return FHIRResponses.json(.object(answer), status: .accepted, pretty: false)
        }
        router.get("ingest/errors") { request, _ -> Response in
            let limit = try RequestParsing.count(request, default: 100, maximum: 1000)
            let letters = try await pipeline.buffer.deadLetters(limit: limit)
            return FHIRResponses.json(["errors": .array(letters)], pretty: ResponseOptions(request).pretty)
        }
        router.post("ingest/errors/$retry") { request, _ -> Response in
            var ids: [Int64]?
            if let list = request.uri.queryParameters.get("id") {
                ids = try list.split(separator: ",").map { text in
                    guard let id = Int64(text) else { throw FHIRError.badRequest("id must list dead-letter ids, not '\(list)'", expression: ["id"]) }
                    return id
                }
            }
            let (letters, batches) = try await pipeline.buffer.retryDeadLetters(ids: ids)
            return FHIRResponses.json(["retried": .number(String(letters)), "batches": .array(batches.map { .number(String($0)) })],
                                      status: .accepted, pretty: ResponseOptions(request).pretty)
        }
        router.get("ingest/stats") { request, _ -> Response in
            FHIRResponses.json(try await pipeline.buffer.statistics(), pretty: ResponseOptions(request).pretty)
        }
    }

    /// Prefix of request headers that become message `Properties` (`X-Property-patientId: p1`).
    static let propertyHeaderPrefix = "x-property-"

    /// SPEC §0's system property naming the device that sent a message (IoT Hub sets it from
    /// the device's connection; `IotJsonPathContent` reads the device id from it).
    static let deviceIdSystemProperty = "iothub-connection-device-id"

    /// The device whose key authenticated this request, if a device key did.
    static func postingDevice() -> String? {
        guard case .device(let id) = AccessGrant.current?.caller else { return nil }
        return id
    }

    /// Wraps each message as SPEC §0 does (`{"Body", "Properties", "SystemProperties"}`) when the
    /// request carries properties — query parameters other than `wait`, and `X-Property-*`
    /// headers — so IoT-Hub-style templates can read them (`$.Properties.patientId`), or when a
    /// device key authenticated it. Messages that already are envelopes keep their properties.
    /// With a device, every envelope's `SystemProperties.iothub-connection-device-id` is that
    /// device, overwriting whatever the message claimed. Otherwise messages stay as sent.
    static func envelopes(_ messages: [JSONValue], from request: Request, device: String?) -> [JSONValue] {
        var properties = JSONObject()
        for (name, value) in RequestParsing.queryPairs(request) where name != "wait" {
            properties[name] = .string(value)
        }
        for field in request.headers where field.name.canonicalName.hasPrefix(propertyHeaderPrefix) {
            properties[String(field.name.rawName.dropFirst(propertyHeaderPrefix.count))] = .string(field.value)
        }
        guard !properties.isEmpty || device != nil else { return messages }
        var systemProperties: JSONObject = ["iothub-enqueuedtime": .string(FHIRInstant.now().fhirString)]
        systemProperties[deviceIdSystemProperty] = device.map(JSONValue.string)
        return messages.map { message in
            guard DeviceEvent(envelope: message) != nil, var envelope = message.objectValue else {
                return .object(["Body": message, "Properties": .object(properties), "SystemProperties": .object(systemProperties)])
            }
            if let device {
                var claimed = envelope["SystemProperties"]?.objectValue ?? JSONObject()
                claimed[deviceIdSystemProperty] = .string(device)
                envelope["SystemProperties"] = .object(claimed)
            }
            return .object(envelope)
        }
    }

    /// The messages of a body: a JSON object, a JSON array of objects, or NDJSON (one per line).
    static func messages(_ request: Request, limit: Int) async throws -> [JSONValue] {
        let bytes = try await RequestParsing.body(request, limit: limit)
        if let whole = try? JSONReader.parse(bytes) {
            if let array = whole.arrayValue { return array }
            return [whole]
        }
        var messages: [JSONValue] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }) else {
                continue
            }
            do {
                messages.append(try JSONReader.parse(Array(line)))
            } catch {
                throw FHIRError(.badRequest, .structure, "Line \(index + 1) is not JSON: \(error)")
            }
        }
        guard !messages.isEmpty else { throw FHIRError.badRequest("The body holds no device message") }
        return messages
    }
}
