import Audit
import FHIRCore
import Hummingbird
import Logging

/// `POST [base]` with a `transaction` or `batch` Bundle (http.html#transaction).
extension FHIRAPI {
    func processBundle(_ request: Request, logger: Logger) async throws -> Response {
        let bundle = try await RequestParsing.jsonObject(request, limit: configuration.maxBodySize)
        let base = baseURL(request)
        let parser = BundleRequestParser(definitions: definitions, baseURL: base)
        let kind = try parser.kind(of: bundle)
        // The Bundle is one record; each entry's write is recorded by the store as it is made.
        AuditRequest.current?.declare(kind == .transaction ? .transaction : .batch)
        let entries = try parser.entries(of: bundle)
        let processor = BundleProcessor(api: self, baseURL: base)
        let results: [BundleEntryResult]
        switch kind {
        case .transaction:
            do {
                results = try await processor.transaction(entries)
            } catch let error as BundleEntryError {
                throw error.fhirError
            }
        case .batch:
            results = await processor.batch(entries, logger: logger)
        }
        let options = ResponseOptions(request)
        let response = BundleResponse(type: kind.responseType, results: results, baseURL: base, preferredReturn: options.preferredReturn)
        return FHIRResponses.json(response.text, pretty: options.pretty)
    }
}
