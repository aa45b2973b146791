import Foundation
import Testing
import FHIRCore
import JMESPath

/// Runs every case of the JMESPath compliance suite (`Fixtures/*.json`, jmespath.test), checking
/// results and, for error cases, the error kind.
@Suite("JMESPath compliance suite")
struct ComplianceSuiteTests {
    static let files = [
        "basic", "boolean", "current", "escape", "filters", "functions", "identifiers", "indices",
        "literal", "multiselect", "pipe", "slice", "syntax", "unicode", "wildcard",
    ]

    static let errorKinds: [String: JMESPathError.Kind] = [
        "syntax": .syntax, "invalid-type": .invalidType, "invalid-arity": .invalidArity,
        "unknown-function": .unknownFunction, "invalid-value": .invalidValue,
    ]

    @Test(arguments: files) func everyCasePasses(file: String) throws {
        guard case .array(let suites) = try Fixture.json("\(file).json") else {
            Issue.record("\(file).json is not an array of suites")
            return
        }
        var total = 0
        var failures: [String] = []
        for suite in suites {
            let given = suite["given"] ?? .null
            for testCase in suite["cases"]?.arrayValue ?? [] where testCase["bench"] == nil {
                total += 1
                if let failure = run(testCase, given: given) { failures.append(failure) }
            }
        }
        print("JMESPath \(file).json: \(total - failures.count)/\(total) passed")
        for failure in failures { print("  FAIL \(failure)") }
        #expect(failures.isEmpty, "\(file).json: \(failures.count) failures, first: \(failures.first ?? "")")
    }

    private func run(_ testCase: JSONValue, given: JSONValue) -> String? {
        let expression = testCase["expression"]?.stringValue ?? ""
        let result: JSONValue
        do {
            result = try JMESPathExpression(expression).search(given)
        } catch {
            guard let expected = testCase["error"]?.stringValue else { return "\(expression): unexpected error \(error)" }
            return Self.errorKinds[expected] == error.kind ? nil : "\(expression): expected \(expected), got \(error)"
        }
        if let expected = testCase["error"]?.stringValue {
            return "\(expression): expected \(expected) error, got \(JSONWriter.string(result))"
        }
        let expected = testCase["result"] ?? .null
        return sameJSON(result, expected) ? nil
            : "\(expression): got \(JSONWriter.string(result)), expected \(JSONWriter.string(expected))"
    }
}
