import Foundation
import Testing
import FHIRCore
import JMESPath

/// Random expressions must be rejected or answered, never crash; benchmark timings for the record.
@Suite("JMESPath robustness")
struct RobustnessTests {
    @Test func randomExpressionsNeverCrash() throws {
        let document = try json(#"{"a":[1,"x",{"b":[true,null]},{"c":2.5}],"b":{"c":{"d":"e"}},"n":null,"s":"text"}"#)
        var random = SplitMix(seed: 2015)
        let pieces = ["a", "b", "c", "@", ".", "[", "]", "[?", "[]", "*", ":", "-1", "2", ",", "{", "}", "(", ")", "|", "||",
                      "&&", "!", "==", "<", ">=", "&", "`1`", "`[1,2]`", "'s'", "\"q\"", "length(", "sort_by(", "map(",
                      "add(", "divide(", "pow(", "insertString(", "fromUnixTimestamp(", " ", "`", "'", "\\"]
        for _ in 0..<20_000 {
            let text = (0..<Int(random.next() % 12 + 1)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            if let expression = try? JMESPathExpression(text, functions: .medTech) {
                _ = try? expression.search(document)
            }
        }
    }

    /// Not a correctness suite: prints the mean time per search of each benchmarks.json case.
    @Test func benchmarkTimings() throws {
        guard case .array(let suites) = try Fixture.json("benchmarks.json") else { return }
        for suite in suites {
            let given = suite["given"] ?? .null
            for testCase in suite["cases"]?.arrayValue ?? [] {
                guard let text = testCase["expression"]?.stringValue else { continue }
                let expression = try JMESPathExpression(text)
                let rounds = 200
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<rounds { _ = try expression.search(given) }
                let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(rounds) / 1000
                print(String(format: "JMESPath bench %8.1f µs  %@", micros, String(text.prefix(60))))
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
