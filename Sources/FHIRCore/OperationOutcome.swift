/// The FHIR `OperationOutcome` resource: how Vesta reports every error and warning.
public struct OperationOutcome: Sendable, Equatable {
    /// `OperationOutcome.issue.severity` (required binding `issue-severity`).
    public enum Severity: String, Sendable { case fatal, error, warning, information }

    /// The subset of `issue-type` codes Vesta emits.
    public enum IssueType: String, Sendable {
        case invalid, structure, required, value, invariant, security, login, forbidden
        case processing, notSupported = "not-supported", duplicate, notFound = "not-found"
        case deleted, tooLong = "too-long", codeInvalid = "code-invalid", conflict, exception
        case timeout, throttled, informational, incomplete, transient, multipleMatches = "multiple-matches"
    }

    public struct Issue: Sendable, Equatable {
        public var severity: Severity
        public var code: IssueType
        public var diagnostics: String
        /// FHIRPath locations of the problem, e.g. `Patient.name[0].given`.
        public var expression: [String]

        public init(severity: Severity = .error, code: IssueType, diagnostics: String, expression: [String] = []) {
            self.severity = severity
            self.code = code
            self.diagnostics = diagnostics
            self.expression = expression
        }
    }

    public var issues: [Issue]

    public init(issues: [Issue]) { self.issues = issues }

    public init(_ severity: Severity = .error, _ code: IssueType, _ diagnostics: String, expression: [String] = []) {
        issues = [Issue(severity: severity, code: code, diagnostics: diagnostics, expression: expression)]
    }

    public var json: JSONValue {
        let issueValues: [JSONValue] = issues.map { issue in
            var object: JSONObject = ["severity": .string(issue.severity.rawValue), "code": .string(issue.code.rawValue)]
            object["diagnostics"] = .string(issue.diagnostics)
            if !issue.expression.isEmpty { object["expression"] = .array(issue.expression.map(JSONValue.string)) }
            return .object(object)
        }
        return ["resourceType": "OperationOutcome", "issue": .array(issueValues)]
    }
}
