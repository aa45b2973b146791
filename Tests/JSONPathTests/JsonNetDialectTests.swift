import Testing
import FHIRCore
import JSONPath

/// One test per documented difference between Newtonsoft Json.NET `SelectToken(s)` and RFC 9535
/// (suite README, "Important: the device-mapping templates do NOT use RFC 9535"; SPEC §1.5).
@Suite("Json.NET dialect")
struct JsonNetDialectTests {
    private func select(_ path: String, _ document: String) throws -> [JSONValue] {
        try JSONPathQuery(path, dialect: .jsonNet).select(json(document))
    }

    private func paths(_ path: String, _ document: String) throws -> [String] {
        try JSONPathQuery(path, dialect: .jsonNet).selectNodes(json(document)).map(\.path)
    }

    private func rejects(_ path: String) -> Bool {
        (try? JSONPathQuery(path, dialect: .jsonNet)) == nil
    }

    @Test func leadingDollarIsOptional() throws {
        let document = #"{"testProperty":"x","a":{"b":1},"list":[5,6],"$x":7}"#
        #expect(try select("testProperty", document) == ["x"])
        #expect(try select("a.b", document) == [1])
        #expect(try select("list[1]", document) == [6])
        #expect(try select("$x", document) == [7])  // `$` not followed by `.` or `[` is part of a name
        #expect(try select("$", document).count == 1)
        #expect(try select("", document).count == 1)
        #expect(rejects("$x", dialect: .rfc9535))
    }

    @Test func filterNeedsParentheses() throws {
        let document = #"[{"a":1},{"b":2}]"#
        #expect(try select("$[?(@.a)]", document) == [try json(#"{"a":1}"#)])
        #expect(rejects("$[?@.a]"))
        #expect(!rejects("$[?@.a]", dialect: .rfc9535))
    }

    @Test func memberWithoutDotAfterAt() throws {
        let document = #"{"Body":[{"heartRate":78,"telemetry":{"BloodPressure":{"Systolic":120}}},{"steps":3}]}"#
        #expect(try select("$.Body[?(@heartRate)]", document).count == 1)
        #expect(try select("$.Body[?(@telemetry.BloodPressure.Systolic)]", document).count == 1)
        #expect(try select("$.Body[?(@heartRate == 78)].heartRate", document) == [78])
        #expect(rejects("$[?(@heartRate)]", dialect: .rfc9535))
    }

    @Test func dotThenBracketAndBracketNames() throws {
        let document = #"{"My Property":{"x":1},"list":[{"My Property":2}]}"#
        #expect(try select("$.['My Property'].x", document) == [1])
        #expect(try select("$['My Property']['x']", document) == [1])
        #expect(try select("$.list[?(@['My Property'] == 2)]", document).count == 1)
        #expect(try select("$.list[?(@.['My Property'])]", document).count == 1)
        #expect(rejects("$.['My Property']", dialect: .rfc9535))
    }

    @Test func existenceTestHoldsForNullFalseAndEmpty() throws {
        let document = #"[{"x":null},{"x":false},{"x":""},{"y":1}]"#
        #expect(try select("$[?(@.x)]", document).count == 3)
    }

    @Test func literalAsWholeFilterSelectsEverything() throws {
        let document = #"[1,{"a":2},null]"#
        #expect(try select("$[?(true)]", document).count == 3)
        #expect(try select("$[?(null)]", document).count == 3)
        #expect(rejects("$[?true]", dialect: .rfc9535))
    }

    @Test func descendantFilterIncludesTheRoot() throws {
        let query = try JSONPathQuery("$..[?(@heartRate)]", dialect: .jsonNet)
        let flat = try json(#"{"heartRate":78,"deviceId":"d1"}"#)
        #expect(query.select(flat) == [flat])
        let nested = try json(#"{"Body":{"heartRate":1}}"#)
        #expect(query.select(nested) == [try json(#"{"heartRate":1}"#)])
        let list = try json(#"{"list":[{"heartRate":1},{"heartRate":2}]}"#)
        #expect(query.select(list) == [try json(#"{"heartRate":1}"#), try json(#"{"heartRate":2}"#)])
        // Nested objects that both satisfy the filter both match, outer first.
        let both = try json(#"{"heartRate":1,"inner":{"heartRate":2}}"#)
        #expect(query.selectNodes(both).map(\.path) == ["$", "$['inner']"])
        // RFC 9535 never tests the start node itself.
        #expect(try JSONPathQuery("$..[?@.heartRate]").select(flat).isEmpty)
    }

    @Test func descendantFilterSupportsSeveralConditions() throws {
        let document = #"{"Body":[{"systolic":120,"diastolic":80},{"systolic":110},{"heartrate":60},{"steps":5}]}"#
        #expect(try select("$..[?(@systolic && @diastolic)]", document).count == 1)
        #expect(try select("$..[?(@heartrate || @steps)]", document).count == 2)
        #expect(try select("$..[?(@unit == 'inches')]", #"{"a":{"unit":"inches"},"b":{"unit":"cm"}}"#).count == 1)
    }

    @Test func plainFilterOnObjectNeverMatches() throws {
        let document = #"{"obj":{"a":{"x":1},"b":{"x":2}}}"#
        #expect(try select("$.obj[?(@.x)]", document).isEmpty)
        #expect(try JSONPathQuery("$.obj[?@.x]").select(json(document)).count == 2)
    }

    @Test func descendantWildcardIncludesTheRootInPreOrder() throws {
        #expect(try paths("$..*", #"{"a":{"b":1},"c":[2]}"#) == ["$", "$['a']", "$['a']['b']", "$['c']", "$['c'][0]"])
    }

    @Test func descendantBeforeIndexOrStarIsDropped() throws {
        let document = #"[[1,2],{"a":[3]}]"#
        #expect(try select("$..[0]", document) == [try json("[1,2]")])
        #expect(try select("$..[*]", document).count == 2)
        #expect(try select("$..[*]", #"{"a":1}"#).isEmpty)  // `[*]` is for arrays only
        #expect(try select("$..a", document) == [try json("[3]")])
        #expect(try select("$..['a']", document) == [try json("[3]")])
    }

    @Test func stringsAreSingleQuotedWithoutUnicodeEscapes() throws {
        let document = #"[{"s":"it's"},{"s":"a\/b"},{"s":"tab\there"}]"#
        #expect(try select(#"$[?(@.s == 'it\'s')]"#, document).count == 1)
        #expect(try select(#"$[?(@.s == 'a\/b')]"#, document).count == 1)
        #expect(try select(#"$[?(@.s == 'tab\there')]"#, document).count == 1)
        #expect(rejects(#"$[?(@.s == 'caf\u00e9')]"#))
        #expect(rejects(#"$["s"]"#))
        #expect(rejects(#"$[?(@.s == "x")]"#))
    }

    @Test func memberShorthandRunsToDelimiters() throws {
        let document = #"{"foo-bar":1,"1":2,"@odata.id":3,"@odata":{"id":4},"Properties":{"iothub-creation-time-utc":"t"}}"#
        #expect(try select("$.foo-bar", document) == [1])
        #expect(try select("$.1", document) == [2])
        #expect(try select("$.@odata.id", document) == [4])  // the dot still separates
        #expect(try select("$.Properties.iothub-creation-time-utc", document) == ["t"])
        #expect(rejects("$.foo-bar", dialect: .rfc9535))
    }

    @Test func unionsAreIndicesOnlyOrNamesOnly() throws {
        #expect(try select("$[0,2]", "[10,11,12]") == [10, 12])
        #expect(try select("$['a','b']", #"{"a":1,"b":2,"c":3}"#) == [1, 2])
        #expect(rejects("$[0,'a']"))
        #expect(rejects("$['a',0]"))
        #expect(try select("$[0,1:2]", "[10,11,12]") == [10, 12])  // Json.NET keeps only the last bound
    }

    @Test func negativeIndexIsRejectedButSlicesAcceptNegatives() throws {
        #expect(rejects("$[-1]"))  // Json.NET throws when it meets an array; rejected at compile time here
        #expect(rejects("$[0,-1]"))
        #expect(try select("$[-2:]", "[1,2,3]") == [2, 3])
        #expect(try select("$[::-1]", "[1,2,3]") == [3, 2, 1])
        #expect(rejects("$[::0]"))
    }

    @Test func indicesAreInt32() throws {
        #expect(try select("$[2147483647]", "[1]").isEmpty)
        #expect(rejects("$[2147483648]"))
        #expect(rejects("$[0:99999999999]"))
    }

    @Test func whitespaceRules() throws {
        let document = #"{"a":{"b":1}}"#
        #expect(try select("   $.a.b", document) == [1])
        #expect(try select("$.a.b   ", document) == [1])
        #expect(rejects("$.a .b"))
        #expect(try select("$[ 'a' ][ 'b' ]", document) == [1])
        #expect(try select("$.a[?( @.b == 1 )]", #"{"a":[{"b":1}]}"#).count == 1)
    }

    @Test func parenthesesWorkAsBrackets() throws {
        #expect(try select("$.a(0)", #"{"a":[7,8]}"#) == [7])
    }

    @Test func extraComparisonOperators() throws {
        let document = #"[{"v":1},{"v":2},{"v":"x"},{"v":1.0}]"#
        #expect(try select("$[?(@.v <> 1)]", document).count == 2)
        #expect(try select("$[?(@.v === 1)]", document).count == 2)  // integer vs float still by value
        #expect(try select("$[?(@.v !== 1)]", document).count == 2)
        #expect(try select("$[?(@.s =~ /^ab.*$/i)]", #"[{"s":"ABC"},{"s":"xab"}]"#).count == 1)
        #expect(rejects("$[?(@.s =~ /open)]"))
    }

    @Test func logicalOperatorsGroupRightToLeftWithoutNotOrParentheses() throws {
        // Json.NET reads `a && b || c` as `a && (b || c)`.
        let document = #"[{"a":1,"b":1},{"c":1},{"a":1,"c":1}]"#
        #expect(try select("$[?(@.a && @.b || @.c)]", document).count == 2)
        #expect(try JSONPathQuery("$[?@.a && @.b || @.c]").select(json(document)).count == 3)
        #expect(rejects("$[?(!@.a)]"))
        #expect(rejects("$[?((@.a))]"))
    }

    @Test func functionsAndScriptsAreSyntaxErrors() throws {
        for path in ["$[?(length(@.a) > 1)]", "$[?(count(@.*) > 1)]", "$[?(match(@.a, 'x'))]", "$[(@.length-1)]"] {
            #expect(rejects(path), "\(path)")
        }
    }

    @Test func orderingComparisonsCoerceButEqualityDoesNot() throws {
        #expect(try select("$[?(@.id > 10)]", #"[{"id":"214376"},{"id":"5"}]"#).count == 1)
        #expect(try select("$[?(@.age > '3')]", #"[{"age":5},{"age":2}]"#).count == 1)
        #expect(try select("$[?(@.v == '1')]", #"[{"v":1}]"#).isEmpty)
        #expect(try select("$[?(@.v == 1.0)]", #"[{"v":1}]"#).count == 1)
        #expect(try select("$[?(@.v > 'abc')]", #"[{"v":1}]"#).isEmpty)  // Json.NET throws here
        #expect(try select("$[?(@.v > null)]", #"[{"v":1},{"v":null}]"#).count == 1)
        #expect(try JSONPathQuery("$[?@.id > 10]").select(json(#"[{"id":"214376"}]"#)).isEmpty)
    }

    @Test func containerOperandsAreNeverEqual() throws {
        let document = #"[{"o":{"a":1}},{"o":[1]}]"#
        #expect(try select("$[?(@.o == @.o)]", document).isEmpty)
        #expect(try select("$[?(@.o != @.o)]", document).count == 2)
        #expect(try JSONPathQuery("$[?@.o == @.o]").select(json(document)).count == 2)
    }

    @Test func comparisonOfSeveralValuesHoldsWhenAnyMatches() throws {
        let document = #"[{"x":{"hi":"ha","y":{"hi":"ho"}}},{"x":{"hi":"ha"}}]"#
        #expect(try select("$[?(@..hi <> 'ha')]", document).count == 1)
        #expect(rejects("$[?@..hi != 'ha']", dialect: .rfc9535))
    }

    @Test func rootReferenceInsideFilter() throws {
        let document = #"{"limit":2,"items":[{"v":1},{"v":3}]}"#
        #expect(try select("$.items[?(@.v > $.limit)].v", document) == [3])
    }

    @Test func selectSingleFollowsSelectToken() throws {
        let document = try json(#"{"matchedToken":{"x":1},"Body":[{"x":1},{"x":2}],"n":null}"#)
        #expect(try JSONPathQuery("$.matchedToken.x", dialect: .jsonNet).selectSingle(document) == 1)
        #expect(try JSONPathQuery("$.missing", dialect: .jsonNet).selectSingle(document) == nil)
        #expect(try JSONPathQuery("$.n", dialect: .jsonNet).selectSingle(document) == .null)
        #expect(throws: JSONPathError.self) {
            try JSONPathQuery("$.Body[*].x", dialect: .jsonNet).selectSingle(document)
        }
        do {
            _ = try JSONPathQuery("$..[?(@x)]", dialect: .jsonNet).selectSingle(document)
            Issue.record("expected multiple results")
        } catch {
            #expect(error.kind == .multipleResults)
            #expect(error.message == "Path returned multiple tokens.")
        }
    }

    @Test func resultsComeInDocumentOrder() throws {
        #expect(try paths("$.*", #"{"z":1,"a":2,"m":3}"#) == ["$['z']", "$['a']", "$['m']"])
        #expect(try paths("$..v", #"{"b":{"v":1},"a":[{"v":2}],"v":3}"#) == ["$['b']['v']", "$['a'][0]['v']", "$['v']"])
    }

    @Test func syntaxErrorsCarryPositions() {
        do {
            _ = try JSONPathQuery("$.a]", dialect: .jsonNet)
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.offset == 3)
        }
    }

    private func rejects(_ path: String, dialect: JSONPathDialect) -> Bool {
        (try? JSONPathQuery(path, dialect: dialect)) == nil
    }
}
