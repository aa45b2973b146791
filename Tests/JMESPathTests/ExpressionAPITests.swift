import Testing
import FHIRCore
import JMESPath

/// Public API behaviour beyond the compliance suite: MedTech match semantics, errors, limits.
@Suite("JMESPath expression API")
struct ExpressionAPITests {
    private let envelope = """
        {"Body":[{"systolic":120,"diastolic":80},{"heartRate":70},{"systolic":110,"diastolic":75}],
         "Properties":{"deviceId":"deviceTypeB-1"},"matchedToken":{"heartRate":78}}
        """

    @Test func projectionsGiveOneMatchPerElement() throws {
        let document = try json(envelope)
        #expect(try JMESPathExpression("Body[?systolic]").searchMatches(document).count == 2)
        #expect(try JMESPathExpression("Body[*].systolic").searchMatches(document) == [120, 110])
        #expect(try JMESPathExpression("to_array(@.Properties) | [?starts_with(deviceId, 'deviceTypeB')]")
            .searchMatches(document).count == 1)
    }

    /// `[` binds tighter than `.`: in `Body.items[*]` the projection sits right of a subexpression.
    @Test func projectionsInsideADottedPathStillProject() throws {
        let document = try json(#"{"Body":{"items":[{"a":1},{"a":2}]}}"#)
        #expect(try JMESPathExpression("Body.items[*]").searchMatches(document).count == 2)
        #expect(try JMESPathExpression("Body.items[*].a").searchMatches(document) == [1, 2])
        #expect(try JMESPathExpression("Body.items[?a > `1`]").searchMatches(document).count == 1)
        #expect(try JMESPathExpression("Body.items").searchMatches(document).count == 1)
        #expect(throws: JMESPathError.self) { try JMESPathExpression("Body.items[*].a").searchSingle(document) }
    }

    @Test func nonProjectionArraysAreOneMatchAndNullIsNone() throws {
        let document = try json(envelope)
        #expect(try JMESPathExpression("Body").searchMatches(document).count == 1)
        let heartRate = try JMESPathExpression("[Body][?contains(keys(@), `heartRate`)] | @[0]")
        #expect(try heartRate.searchMatches(json(#"{"Body":{"heartRate":70}}"#)) == [try json(#"{"heartRate":70}"#)])
        #expect(try heartRate.searchMatches(json(#"{"Body":{"steps":7}}"#)).isEmpty)
        let first = try json(#"{"systolic":120,"diastolic":80}"#)
        #expect(try JMESPathExpression("Body[?systolic] | [0]").searchMatches(document) == [first])
        #expect(try JMESPathExpression("missing").searchMatches(document).isEmpty)
        #expect(try JMESPathExpression("Properties.*").searchMatches(document) == ["deviceTypeB-1"])
    }

    @Test func singleValueRejectsMultiElementProjections() throws {
        let document = try json(envelope)
        #expect(try JMESPathExpression("matchedToken.heartRate").searchSingle(document) == 78)
        #expect(try JMESPathExpression("missing").searchSingle(document) == nil)
        #expect(try JMESPathExpression("Body[?heartRate].heartRate").searchSingle(document) == [70])
        #expect(try JMESPathExpression("Body").searchSingle(document)?.arrayValue?.count == 3)  // not a projection
        do {
            _ = try JMESPathExpression("Body[*].systolic").searchSingle(document)
            Issue.record("expected multipleResults")
        } catch {
            #expect(error.kind == .multipleResults)
        }
    }

    @Test func truthinessInFilters() throws {
        let document = try json(#"[{"v":0},{"v":""},{"v":[]},{"v":{}},{"v":false},{"v":null},{"v":"x"}]"#)
        #expect(try JMESPathExpression("[?v]").search(document) == [try json(#"{"v":0}"#), try json(#"{"v":"x"}"#)])
    }

    @Test func numbersCompareByValue() throws {
        let document = try json(#"{"a":1,"b":1.0,"c":1e0,"d":10,"e":9.5}"#)
        #expect(try JMESPathExpression("a == b && b == c").search(document) == true)
        #expect(try JMESPathExpression("d > e").search(document) == true)
        #expect(try JMESPathExpression("max([d, e, `2`])").search(document) == 10)
        #expect(try JMESPathExpression("sort([d, e, a])").search(document) == [1, .number("9.5"), 10])
    }

    @Test func syntaxErrorsCarryOffsets() {
        for (text, offset) in [("foo.", 4), ("foo[?bar", 8), ("a = b", 2), ("foo bar", 4), ("'open", 0), ("\"x\"(1)", 0)] {
            do {
                _ = try JMESPathExpression(text)
                Issue.record("\(text) should not compile")
            } catch {
                #expect(error.kind == .syntax, "\(text)")
                #expect(error.offset == offset, "\(text): \(error)")
            }
        }
    }

    @Test func unknownFunctionsAreCompileErrors() {
        do {
            _ = try JMESPathExpression("nope(@)")
            Issue.record("expected unknown-function")
        } catch {
            #expect(error.kind == .unknownFunction)
        }
    }

    @Test func deepInputIsRejectedNotCrashed() throws {
        let nested = String(repeating: "(", count: 5000) + "a" + String(repeating: ")", count: 5000)
        #expect(throws: JMESPathError.self) { try JMESPathExpression(nested) }
        let chain = (0..<5000).map { "a\($0)" }.joined(separator: ".")
        #expect(throws: JMESPathError.self) { try JMESPathExpression(chain) }
        let pipes = (0..<5000).map { "a\($0)" }.joined(separator: " | ")
        #expect(throws: JMESPathError.self) { try JMESPathExpression(pipes) }
        let brackets = String(repeating: "[", count: 5000)
        #expect(throws: JMESPathError.self) { try JMESPathExpression(brackets) }
        // Realistic depth still compiles and runs.
        let fifty = (0..<50).map { "a\($0)" }.joined(separator: ".")
        #expect(try JMESPathExpression(fifty).search(json("{}")) == .null)
    }

    @Test func expressionReferenceOutsideAFunctionIsNull() throws {
        #expect(try JMESPathExpression("&foo").search(json(#"{"foo":1}"#)) == .null)
    }
}
