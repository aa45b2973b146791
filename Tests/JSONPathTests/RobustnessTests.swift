import Testing
import FHIRCore
import JSONPath

/// Hostile or random queries must be rejected or answered, never crash.
@Suite("JSONPath robustness")
struct RobustnessTests {
    private let document: JSONValue = [
        "a": [1, "x", ["b": [true, nil]], ["c": .number("2.5")]],
        "b": ["c": ["d": "e"], "heartRate": 70],
        "n": nil,
    ]

    @Test func deepNestingIsRejected() throws {
        let filters = "$" + String(repeating: "[?@", count: 1000) + String(repeating: "]", count: 1000)
        let parens = "$[?" + String(repeating: "(", count: 1000) + "@.a" + String(repeating: ")", count: 1000) + "]"
        let calls = "$[?" + String(repeating: "length(", count: 1000) + "@" + String(repeating: ")", count: 1000) + "==1]"
        let jsonNet = "$" + String(repeating: "[?(@", count: 1000) + String(repeating: ")]", count: 1000)
        for (query, dialect) in [(filters, JSONPathDialect.rfc9535), (parens, .rfc9535), (calls, .rfc9535), (jsonNet, .jsonNet)] {
            do {
                _ = try JSONPathQuery(query, dialect: dialect)
                Issue.record("accepted \(query.prefix(20))…")
            } catch {
                #expect(error.kind == .nestingTooDeep)
            }
        }
        let fine = "$" + String(repeating: "[?@", count: 30) + String(repeating: "]", count: 30)
        #expect(try JSONPathQuery(fine).select(document).isEmpty)  // compiles; too deep for this document
    }

    @Test func longSegmentChainsRunWithoutRecursion() throws {
        let query = "$" + String(repeating: "..a", count: 2000)
        #expect(try JSONPathQuery(query).select(document).isEmpty)
        #expect(try JSONPathQuery(query, dialect: .jsonNet).select(document).isEmpty)
    }

    @Test func randomQueriesNeverCrash() {
        var random = SplitMix(seed: 9535)
        let pieces = ["$", "@", ".", "..", "[", "]", "(", ")", "?", "*", ":", ",", "'", "\"", "a", "b", "c", "heartRate",
                      "0", "-1", "2", "==", "!=", "<", ">=", "&&", "||", "!", " ", "\\", "length(", "count(", "match(",
                      "value(", "search(", "true", "null", "1.5e3", "'x'", "=~", "/a.*/i", "\u{00E9}"]
        for _ in 0..<20_000 {
            let query = (0..<Int(random.next() % 12 + 1)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            for dialect in [JSONPathDialect.rfc9535, .jsonNet] {
                if let compiled = try? JSONPathQuery(query, dialect: dialect) {
                    _ = compiled.selectNodes(document)
                }
            }
        }
    }
}

/// A small deterministic generator so the random test is repeatable.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
