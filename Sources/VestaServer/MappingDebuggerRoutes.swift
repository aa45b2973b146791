import FHIRCore
import FHIRMapping
import Hummingbird

/// `POST /mappings/debug`: tests mappings against sample messages without writing anything.
/// Body: `{"deviceMapping": {...}, "fhirMapping": {...}, "messages": [...]}` (or one `"message"`;
/// `fhirMapping` optional). Answers, per message, the device-mapping debugger result (template
/// errors with line and column of the mapping as pretty-printed JSON, or the matched templates,
/// measurements and errors) and, with a FHIR mapping, the Observations those measurements would
/// produce (placeholder references, no identity look-up) with compatibility warnings.
struct MappingDebuggerRoutes: Sendable {
    let maxBodySize: Int

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("mappings/debug") { request, _ -> Response in
            let body = try await RequestParsing.jsonObject(request, limit: maxBodySize)
            guard let deviceMapping = body["deviceMapping"] else {
                throw FHIRError.badRequest("The body needs a 'deviceMapping' (a CollectionContent device mapping)",
                                           expression: ["deviceMapping"])
            }
            let messages: [JSONValue]
            if let list = body["messages"]?.arrayValue, !list.isEmpty {
                messages = list
            } else if let single = body["message"] {
                messages = [single]
            } else {
                throw FHIRError.badRequest("The body needs 'messages' (an array of sample device messages) or one 'message'",
                                           expression: ["messages"])
            }
            let session = MappingDebugSession(
                deviceMapping: JSONWriter.bytes(deviceMapping, style: .pretty),
                fhirMapping: body["fhirMapping"].map { JSONWriter.bytes($0, style: .pretty) })
            var answer = JSONObject()
            answer["fhirMappingErrors"] = session.fhirMappingErrorsJSON
            answer["results"] = .array(messages.map { session.run(message: JSONWriter.bytes($0)).json })
            return FHIRResponses.json(.object(answer), headers: [:], pretty: ResponseOptions(request).pretty)
        }
    }
}
