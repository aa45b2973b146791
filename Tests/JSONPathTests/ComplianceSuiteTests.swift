import Foundation
import Testing
import FHIRCore
import JSONPath

/// Runs every case of the JSONPath Compliance Test Suite (`Fixtures/cts.json`, RFC 9535),
/// checking values and Normalized Paths.
@Suite("RFC 9535 compliance suite")
struct ComplianceSuiteTests {
    struct Failure: CustomStringConvertible {
        let name: String
        let selector: String
        let detail: String
        var description: String { "\(name) [\(selector)]: \(detail)" }
    }

    @Test func everyCasePasses() throws {
        guard case .array(let cases)? = try Fixture.json("cts.json")["tests"] else {
            Issue.record("cts.json has no tests array")
            return
        }
        var failures: [Failure] = []
        for testCase in cases {
            if let failure = run(testCase) { failures.append(failure) }
        }
        let passed = cases.count - failures.count
        print("JSONPath CTS: \(passed)/\(cases.count) passed")
        for failure in failures { print("  FAIL \(failure)") }
        #expect(cases.count == 703)
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.first?.description ?? "")")
    }

    private func run(_ testCase: JSONValue) -> Failure? {
        let name = testCase["name"]?.stringValue ?? "?"
        let selector = testCase["selector"]?.stringValue ?? ""
        func failure(_ detail: String) -> Failure { Failure(name: name, selector: selector, detail: detail) }
        let query: JSONPathQuery
        do {
            query = try JSONPathQuery(selector)
        } catch {
            return testCase["invalid_selector"] == .bool(true) ? nil : failure("rejected: \(error)")
        }
        if testCase["invalid_selector"] == .bool(true) { return failure("accepted an invalid selector") }
        guard let document = testCase["document"] else { return failure("no document") }
        let nodes = query.selectNodes(document)
        let values = JSONValue.array(nodes.map(\.value))
        let paths = JSONValue.array(nodes.map { .string($0.path) })
        let expectedValues = testCase["result"].map { [$0] } ?? testCase["results"]?.arrayValue ?? []
        let expectedPaths = testCase["result_paths"].map { [$0] } ?? testCase["results_paths"]?.arrayValue ?? []
        for (index, expected) in expectedValues.enumerated() where sameJSON(values, expected) {
            if index < expectedPaths.count, expectedPaths[index] != paths {
                return failure("paths \(JSONWriter.string(paths)) expected \(JSONWriter.string(expectedPaths[index]))")
            }
            return nil
        }
        return failure("got \(JSONWriter.string(values))")
    }
}
