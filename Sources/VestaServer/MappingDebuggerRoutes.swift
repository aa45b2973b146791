import DeviceMapping
import FHIRCore
import Hummingbird

/// `POST /mappings/debug`: tests a device mapping against sample messages without writing
/// anything. Body: `{"deviceMapping": {...}, "messages": [...]}` (or one `"message"`). Answers,
/// per message, the debugger result: template errors with line and column (of the mapping as
/// pretty-printed JSON), or the templates that matched, the measurements and every error.
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
            if let list = body["messages"]?.arrayValue {
                messages = list
            } else if let single = body["message"] {
                messages = [single]
            } else {
                throw FHIRError.badRequest("The body needs 'messages' (an array of sample device messages) or one 'message'",
                                           expression: ["messages"])
            }
            var results: [JSONValue] = messages.map { message in
                MappingDebugger.run(deviceMapping: deviceMapping, message: JSONWriter.bytes(message)).jsonValue
            }
            if results.isEmpty {
                results = [MappingDebugger.run(deviceMapping: deviceMapping, message: Array("{}".utf8)).jsonValue]
            }
            var answer: JSONObject = ["results": .array(results)]
            if body["fhirMapping"] != nil {
                answer["warnings"] = ["FHIR destination mappings are not evaluated yet; only the device mapping was run"]
            }
            return FHIRResponses.json(.object(answer), headers: [:], pretty: ResponseOptions(request).pretty)
        }
    }
}
