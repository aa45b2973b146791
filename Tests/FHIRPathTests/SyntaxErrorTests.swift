import FHIRPath
import Testing

/// Parse errors carry the offset where parsing stopped.
@Suite struct SyntaxErrorTests {
    func error(_ text: String) -> FHIRPathSyntaxError? {
        do {
            _ = try FHIRPathExpression(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("Patient.name.", 13, "expected a name after '.'"),
        ("Patient.name.where(", 19, "unexpected end of expression"),
        ("Patient.name[0", 14, "expected ']'"),
        ("Patient.name.foo()", 13, "function 'foo' is not supported"),
        ("Patient.name.memberOf('http://x')", 13, "function 'memberOf' is not supported"),
        ("Patient.name.where(use = 'official', 2)", 13, "where() takes 1 arguments, not 2"),
        ("Patient.name.exists(1, 2)", 13, "exists() takes 0 to 1 arguments, not 2"),
        ("Observation.value.as(Quantity + 1)", 18, "expected a type name as the argument"),
        ("Observation.value is", 20, "expected a type name"),
        ("1 * 2", 2, "operator '*' is not supported"),
        ("'abc", 0, "unterminated quoted text"),
        ("'a\\qb'", 2, "invalid escape '\\q'"),
        ("Patient.name ) ", 13, "unexpected ')'"),
        ("Patient # name", 8, "unexpected character '#'"),
        ("$index", 0, "'$index' is not supported"),
        ("/* open", 0, "unterminated comment"),
        ("", 0, "unexpected end of expression"),
    ])
    func reportsPosition(text: String, offset: Int, message: String) {
        #expect(error(text) == FHIRPathSyntaxError(offset: offset, message: message))
    }

    @Test func limitsNesting() {
        let parentheses = String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200)
        #expect(error(parentheses)?.message == "expression nested deeper than 128 levels")
        let chain = "Patient" + String(repeating: ".name", count: 200)
        #expect(error(chain)?.message == "expression nested deeper than 128 levels")
        let union = (0..<200).map { "a\($0)" }.joined(separator: " | ")
        #expect(error(union)?.message == "expression nested deeper than 128 levels")
        #expect(error(String(repeating: "-", count: 500) + "1")?.message == "expression nested deeper than 128 levels")
    }

    @Test func acceptsCommentsAndQuotedNames() throws {
        let expression = try FHIRPathExpression(parsing: "Patient.`name` // the names\n /* and */ .given")
        #expect(expression.text.hasPrefix("Patient"))
    }
}
