import DeviceIngest
import DeviceMapping
import FHIRCore
import FHIRMapping
import Hummingbird

/// `GET`/`PUT /mappings/device` and `/mappings/fhir`: read and replace the mappings ingestion
/// runs with. A mapping that does not parse is refused with 422 and every error (line and
/// column in the text as sent); the running one stays.
struct MappingRoutes: Sendable {
    let catalog: MappingCatalog
    let maxBodySize: Int

    func register<Context: RequestContext>(on router: Router<Context>) {
        for kind in MappingCatalog.Kind.allCases {
            router.get("mappings/\(kind.rawValue)") { _, _ -> Response in
                guard let text = try await catalog.text(kind) else {
                    throw FHIRError(.notFound, .notFound, "No \(kind.rawValue) mapping is stored yet; PUT one")
                }
                return FHIRResponses.json(text, pretty: false)
            }
            router.put("mappings/\(kind.rawValue)") { request, _ -> Response in
                let text = String(decoding: try await RequestParsing.body(request, limit: maxBodySize), as: UTF8.self)
                do {
                    try await catalog.replace(kind, text: text)
                } catch let invalid as MappingCatalog.Invalid {
                    throw FHIRError(.unprocessableContent, OperationOutcome(issues: Self.issues(invalid)))
                }
                return FHIRResponses.json(text, pretty: false)
            }
        }
    }

    /// One OperationOutcome issue per template error, located by line, column and JSON pointer.
    private static func issues(_ invalid: MappingCatalog.Invalid) -> [OperationOutcome.Issue] {
        let descriptions: [String] = switch invalid {
        case .device(let errors): errors.errors.map(\.description)
        case .fhir(let errors): errors.errors.map(\.description)
        }
        return descriptions.map { OperationOutcome.Issue(severity: .error, code: .invalid, diagnostics: $0) }
    }
}
