import Testing
import FHIRCore

@Suite("OperationOutcome")
struct OperationOutcomeTests {
    @Test func singleIssueHasTheFHIRShape() throws {
        let outcome = OperationOutcome(.error, .notFound, "Resource Patient/x is not known")
        #expect(JSONWriter.string(outcome.json) ==
            #"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Resource Patient/x is not known"}]}"#)
    }

    @Test func severityDefaultsToError() {
        let issue = OperationOutcome.Issue(code: .invalid, diagnostics: "bad")
        #expect(issue.severity == .error)
        #expect(issue.expression == [])
        let outcome = OperationOutcome(issues: [issue])
        #expect(outcome.json["issue"]?.arrayValue?.first?["severity"] == "error")
        #expect(outcome == OperationOutcome(.error, .invalid, "bad"))
    }

    @Test func expressionIsAnArrayOnlyWhenPresent() throws {
        let outcome = OperationOutcome(issues: [
            .init(severity: .warning, code: .value, diagnostics: "odd", expression: ["Patient.name[0].given", "Patient.gender"]),
            .init(severity: .information, code: .informational, diagnostics: "ok"),
        ])
        let expected = try json(#"""
            {"resourceType":"OperationOutcome","issue":[
              {"severity":"warning","code":"value","diagnostics":"odd","expression":["Patient.name[0].given","Patient.gender"]},
              {"severity":"information","code":"informational","diagnostics":"ok"}]}
            """#)
        #expect(outcome.json == expected)
        let issues = try #require(outcome.json["issue"]?.arrayValue)
        #expect(issues[0].objectValue?.keys == ["severity", "code", "diagnostics", "expression"])
        #expect(issues[1].objectValue?.keys == ["severity", "code", "diagnostics"])
        #expect(outcome.json.objectValue?.keys == ["resourceType", "issue"])
    }

    @Test func hyphenatedIssueTypeCodesUseTheFHIRSpelling() {
        #expect(OperationOutcome.IssueType.notSupported.rawValue == "not-supported")
        #expect(OperationOutcome.IssueType.notFound.rawValue == "not-found")
        #expect(OperationOutcome.IssueType.tooLong.rawValue == "too-long")
        #expect(OperationOutcome.IssueType.codeInvalid.rawValue == "code-invalid")
        #expect(OperationOutcome.Severity.fatal.rawValue == "fatal")
        let outcome = OperationOutcome(.fatal, .notSupported, "no")
        #expect(outcome.json["issue"]?.arrayValue?.first?["code"] == "not-supported")
        #expect(outcome.json["issue"]?.arrayValue?.first?["severity"] == "fatal")
    }

    @Test func diagnosticsAreEscapedAndReadBack() throws {
        let text = "bad \"value\" at line 1\n\tin é中"
        let outcome = OperationOutcome(.error, .structure, text)
        let reparsed = try JSONReader.parse(JSONWriter.bytes(outcome.json))
        #expect(reparsed == outcome.json)
        #expect(reparsed["issue"]?.arrayValue?.first?["diagnostics"]?.stringValue == text)
    }

    @Test func anOutcomeWithoutIssuesStillHasTheArray() {
        #expect(JSONWriter.string(OperationOutcome(issues: []).json) == #"{"resourceType":"OperationOutcome","issue":[]}"#)
    }
}
