import Testing
import FHIRCore

/// Applies a patch written as JSON text to a document written as JSON text.
private func patch(_ document: String, _ operations: String) throws -> JSONValue {
    try JSONPatch.apply(try json(operations), to: try json(document))
}

/// The error a patch raises, or nil when it applied.
private func patchError(_ document: String, _ operations: String) throws -> JSONPatchError? {
    let patchValue = try json(operations)
    let documentValue = try json(document)
    do {
        _ = try JSONPatch.apply(patchValue, to: documentValue)
        return nil
    } catch {
        return error
    }
}

/// The operation index and reason of an `.invalidOperation`, or nil for any other outcome.
private func invalidOperation(_ error: JSONPatchError?) -> (operation: Int, reason: String)? {
    if case .invalidOperation(let operation, let reason) = error { return (operation, reason) }
    return nil
}

@Suite("JSONPatch: RFC 6902 Appendix A")
struct JSONPatchAppendixATests {
    @Test func a1AddingAnObjectMember() throws {
        let result = try patch(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#)
        #expect(result == (try json(#"{"baz":"qux","foo":"bar"}"#)))
        #expect(result.objectValue?.keys == ["foo", "baz"])
    }

    @Test func a2AddingAnArrayElement() throws {
        let result = try patch(#"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#)
        #expect(result == (try json(#"{"foo":["bar","qux","baz"]}"#)))
    }

    @Test func a3RemovingAnObjectMember() throws {
        let result = try patch(#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#)
        #expect(result == (try json(#"{"foo":"bar"}"#)))
    }

    @Test func a4RemovingAnArrayElement() throws {
        let result = try patch(#"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#)
        #expect(result == (try json(#"{"foo":["bar","baz"]}"#)))
    }

    @Test func a5ReplacingAValue() throws {
        let result = try patch(#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"replace","path":"/baz","value":"boo"}]"#)
        #expect(result == (try json(#"{"baz":"boo","foo":"bar"}"#)))
        #expect(result.objectValue?.keys == ["baz", "foo"])
    }

    @Test func a6MovingAValue() throws {
        let result = try patch(
            #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
            #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#)
        #expect(result == (try json(#"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#)))
    }

    @Test func a7MovingAnArrayElement() throws {
        let result = try patch(#"{"foo":["all","grass","cows","eat"]}"#, #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#)
        #expect(result == (try json(#"{"foo":["all","cows","eat","grass"]}"#)))
    }

    @Test func a8TestingAValueSuccess() throws {
        let document = #"{"baz":"qux","foo":["a",2,"c"]}"#
        let result = try patch(document, #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#)
        #expect(result == (try json(document)))
    }

    @Test func a9TestingAValueError() throws {
        let error = try patchError(#"{"baz":"qux"}"#, #"[{"op":"test","path":"/baz","value":"bar"}]"#)
        #expect(error == .testFailed(operation: 0, pointer: "/baz"))
    }

    @Test func a10AddingANestedMemberObject() throws {
        let result = try patch(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#)
        #expect(result == (try json(#"{"foo":"bar","child":{"grandchild":{}}}"#)))
    }

    @Test func a11IgnoringUnrecognizedElements() throws {
        let result = try patch(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#)
        #expect(result == (try json(#"{"foo":"bar","baz":"qux"}"#)))
    }

    @Test func a12AddingToANonexistentTarget() throws {
        let error = try patchError(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz/bat","value":"qux"}]"#)
        #expect(error == .pathNotFound(operation: 0, pointer: "/baz/bat"))
    }

    @Test func a13InvalidJSONPatchDocumentWithTwoOps() throws {
        // The duplicate "op" member is caught by the strict reader before the patch is applied.
        let error = try #require(syntaxError(#"[{"op":"add","path":"/baz","value":"qux","op":"remove"}]"#))
        #expect(error.reason == .duplicateKey("op"))
    }

    @Test func a14TildeEscapeOrdering() throws {
        let document = #"{"/":9,"~1":10}"#
        let result = try patch(document, #"[{"op":"test","path":"/~01","value":10}]"#)
        #expect(result == (try json(document)))
    }

    @Test func a15ComparingStringsAndNumbers() throws {
        let error = try patchError(#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":"10"}]"#)
        #expect(error == .testFailed(operation: 0, pointer: "/~01"))
    }

    @Test func a16AddingAnArrayValue() throws {
        let result = try patch(#"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#)
        #expect(result == (try json(#"{"foo":["bar",["abc","def"]]}"#)))
    }
}

@Suite("JSONPatch: operations")
struct JSONPatchOperationTests {
    @Test func addReplacesAnExistingMemberInPlace() throws {
        let result = try patch(#"{"a":1,"b":2}"#, #"[{"op":"add","path":"/a","value":3}]"#)
        #expect(JSONWriter.string(result) == #"{"a":3,"b":2}"#)
    }

    @Test func addAtTheEndIndexAndWithDashAppends() throws {
        let result = try patch(#"{"a":[1]}"#, #"[{"op":"add","path":"/a/1","value":2},{"op":"add","path":"/a/-","value":3}]"#)
        #expect(result == (try json(#"{"a":[1,2,3]}"#)))
    }

    @Test func addWithTheRootPointerReplacesTheDocument() throws {
        let result = try patch(#"{"a":1}"#, #"[{"op":"add","path":"","value":[1]}]"#)
        #expect(result == [1])
        let replaced = try patch(#"{"a":1}"#, #"[{"op":"replace","path":"","value":{"b":2}}]"#)
        #expect(replaced == ["b": 2])
    }

    @Test func escapedPointerTokensAddressKeysWithSlashAndTilde() throws {
        let result = try patch(
            #"{"a/b":1,"m~n":2}"#,
            #"[{"op":"replace","path":"/a~1b","value":10},{"op":"remove","path":"/m~0n"},{"op":"add","path":"/~0~1","value":3}]"#)
        #expect(result == (try json(#"{"a/b":10,"~/":3}"#)))
    }

    @Test func copyDuplicatesAValue() throws {
        let result = try patch(#"{"a":{"b":[1,2]},"c":[]}"#, #"[{"op":"copy","from":"/a/b","path":"/c/0"}]"#)
        #expect(result == (try json(#"{"a":{"b":[1,2]},"c":[[1,2]]}"#)))
    }

    @Test func moveToTheSameLocationKeepsTheValue() throws {
        let result = try patch(#"{"a":1,"b":2}"#, #"[{"op":"move","from":"/a","path":"/a"}]"#)
        #expect(result == (try json(#"{"a":1,"b":2}"#)))
    }

    @Test func operationsApplyInSequence() throws {
        let result = try patch(
            #"{"name":[{"given":["Peter"]}],"active":true}"#,
            #"""
            [{"op":"add","path":"/name/0/given/-","value":"James"},
             {"op":"test","path":"/name/0/given","value":["Peter","James"]},
             {"op":"remove","path":"/active"},
             {"op":"add","path":"/gender","value":"male"},
             {"op":"move","from":"/gender","path":"/sex"}]
            """#)
        #expect(result == (try json(#"{"name":[{"given":["Peter","James"]}],"sex":"male"}"#)))
    }

    @Test func testComparesObjectsIgnoringOrderAndArraysWithOrder() throws {
        let document = #"{"a":{"x":1,"y":[1,2]}}"#
        #expect(try patchError(document, #"[{"op":"test","path":"/a","value":{"y":[1,2],"x":1}}]"#) == nil)
        #expect(try patchError(document, #"[{"op":"test","path":"/a/y","value":[2,1]}]"#) == .testFailed(operation: 0, pointer: "/a/y"))
        #expect(try patchError(document, #"[{"op":"test","path":"/a","value":{"x":1}}]"#) == .testFailed(operation: 0, pointer: "/a"))
        #expect(try patchError(document, #"[{"op":"test","path":"","value":{"a":{"y":[1,2],"x":1}}}]"#) == nil)
    }

    @Test func testComparesNumbersByValue() throws {
        // RFC 6902 section 4.6: "numbers: are considered equal if their values are numerically equal".
        let document = #"{"a":1.0,"b":[100,-0.0],"c":{"d":0.00012}}"#
        #expect(try patchError(document, #"[{"op":"test","path":"/a","value":1}]"#) == nil)
        #expect(try patchError(document, #"[{"op":"test","path":"/a","value":1.000}]"#) == nil)
        #expect(try patchError(document, #"[{"op":"test","path":"/b","value":[1e2,0]}]"#) == nil)
        #expect(try patchError(document, #"[{"op":"test","path":"/c","value":{"d":1.2E-4}}]"#) == nil)
        #expect(try patchError(document, #"[{"op":"test","path":"/a","value":1.01}]"#) == .testFailed(operation: 0, pointer: "/a"))
        #expect(try patchError(document, #"[{"op":"test","path":"/a","value":-1}]"#) == .testFailed(operation: 0, pointer: "/a"))
        #expect(try patchError(document, #"[{"op":"test","path":"/b/0","value":10}]"#) == .testFailed(operation: 0, pointer: "/b/0"))
        #expect(try patchError(document, #"[{"op":"test","path":"/a","value":"1.0"}]"#) == .testFailed(operation: 0, pointer: "/a"))
    }

    @Test func testComparesStringsByCodePoints() throws {
        // RFC 6902 section 4.6: strings are equal when their code points are equal, so a precomposed
        // "é" (U+00E9) does not equal "e" + U+0301, although Swift's String == says they are equal.
        let error = try patchError(#"{"a":"\u00e9"}"#, #"[{"op":"test","path":"/a","value":"e\u0301"}]"#)
        #expect(error == .testFailed(operation: 0, pointer: "/a"))
        #expect(try patchError(#"{"a":"\u00e9"}"#, #"[{"op":"test","path":"/a","value":"é"}]"#) == nil)
    }

    @Test func testOfAMissingPathFails() throws {
        let error = try patchError(#"{"a":null}"#, #"[{"op":"test","path":"/b","value":null}]"#)
        #expect(error == .testFailed(operation: 0, pointer: "/b"))
        #expect(try patchError(#"{"a":null}"#, #"[{"op":"test","path":"/a","value":null}]"#) == nil)
    }

    @Test func aFailingOperationReportsItsIndex() throws {
        let error = try patchError(
            #"{"a":1}"#,
            #"[{"op":"replace","path":"/a","value":2},{"op":"test","path":"/a","value":2},{"op":"test","path":"/a","value":1}]"#)
        #expect(error == .testFailed(operation: 2, pointer: "/a"))
    }

    @Test(arguments: [
        (#"{"a":1}"#, #"[{"op":"remove","path":"/b"}]"#, "/b"),
        (#"{"a":1}"#, #"[{"op":"replace","path":"/b","value":1}]"#, "/b"),
        (#"{"a":[1]}"#, #"[{"op":"add","path":"/a/2","value":1}]"#, "/a/2"),
        (#"{"a":[1]}"#, #"[{"op":"add","path":"/a/-1","value":1}]"#, "/a/-1"),
        (#"{"a":[1,2]}"#, #"[{"op":"add","path":"/a/01","value":1}]"#, "/a/01"),
        (#"{"a":[1]}"#, #"[{"op":"remove","path":"/a/1"}]"#, "/a/1"),
        (#"{"a":[1]}"#, #"[{"op":"remove","path":"/a/-"}]"#, "/a/-"),
        (#"{"a":[1]}"#, #"[{"op":"replace","path":"/a/1","value":1}]"#, "/a/1"),
        (#"{"a":[1]}"#, #"[{"op":"add","path":"/a/x","value":1}]"#, "/a/x"),
        (#"{"a":[{"b":1}]}"#, #"[{"op":"add","path":"/a/1/b","value":1}]"#, "/a/1/b"),
        (#"{"a":"text"}"#, #"[{"op":"add","path":"/a/b","value":1}]"#, "/a/b"),
        (#"{"a":1}"#, #"[{"op":"move","from":"/b","path":"/c"}]"#, "/b"),
        (#"{"a":1}"#, #"[{"op":"copy","from":"/x/y","path":"/c"}]"#, "/x/y"),
        (#"{"a":[1]}"#, #"[{"op":"copy","from":"/a/1","path":"/c"}]"#, "/a/1"),
    ])
    func missingLocationsRaisePathNotFound(document: String, operations: String, pointer: String) throws {
        #expect(try patchError(document, operations) == .pathNotFound(operation: 0, pointer: pointer))
    }
}

@Suite("JSONPatch: invalid patch documents")
struct JSONPatchInvalidDocumentTests {
    @Test(arguments: [#"{"op":"add","path":"/a","value":1}"#, #""add""#, "null", "42"])
    func aPatchThatIsNotAnArrayIsRejected(operations: String) throws {
        let found = try #require(invalidOperation(try patchError("{}", operations)))
        #expect(found.operation == 0)
        #expect(found.reason.contains("array"))
    }

    @Test func anEmptyPatchChangesNothing() throws {
        #expect(try patch(#"{"a":1}"#, "[]") == ["a": 1])
    }

    @Test(arguments: [
        (#"[{"path":"/a","value":1}]"#, "'op'"),
        (#"[{"op":1,"path":"/a","value":1}]"#, "'op'"),
        (#"["add"]"#, "'op'"),
        (#"[{"op":"add","value":1}]"#, "'path'"),
        (#"[{"op":"add","path":1,"value":1}]"#, "'path'"),
        (#"[{"op":"add","path":"a","value":1}]"#, "must start with '/'"),
        (#"[{"op":"add","path":"/a"}]"#, "'value'"),
        (#"[{"op":"replace","path":"/a"}]"#, "'value'"),
        (#"[{"op":"test","path":"/a"}]"#, "'value'"),
        (#"[{"op":"move","path":"/b"}]"#, "'from'"),
        (#"[{"op":"copy","path":"/b","from":7}]"#, "'from'"),
        (#"[{"op":"copy","path":"/b","from":"a"}]"#, "must start with '/'"),
        (#"[{"op":"frobnicate","path":"/a","value":1}]"#, "unknown op 'frobnicate'"),
        (#"[{"op":"ADD","path":"/b","value":1}]"#, "unknown op 'ADD'"),
    ])
    func malformedOperationsRaiseInvalidOperation(operations: String, reasonFragment: String) throws {
        let found = try #require(invalidOperation(try patchError(#"{"a":1}"#, operations)))
        #expect(found.operation == 0)
        #expect(found.reason.contains(reasonFragment), "reason: \(found.reason)")
    }

    @Test func theIndexOfTheMalformedOperationIsReported() throws {
        let found = try #require(invalidOperation(try patchError(
            #"{"a":1}"#, #"[{"op":"test","path":"/a","value":1},{"op":"add","path":"/b","value":2},{"path":"/c"}]"#)))
        #expect(found.operation == 2)
    }

    @Test func removingTheWholeDocumentIsRejected() throws {
        #expect(invalidOperation(try patchError(#"{"a":1}"#, #"[{"op":"remove","path":""}]"#)) != nil)
    }

    @Test func movingAValueIntoItsOwnChildIsRejected() throws {
        let found = try #require(invalidOperation(try patchError(#"{"a":{"b":{}}}"#, #"[{"op":"move","from":"/a","path":"/a/b/c"}]"#)))
        #expect(found.operation == 0)
        #expect(found.reason.contains("own children"))
    }

    @Test func errorsDescribeThemselves() {
        #expect(JSONPatchError.pathNotFound(operation: 1, pointer: "/x").description == "patch operation 1: path '/x' does not exist")
        #expect(JSONPatchError.testFailed(operation: 0, pointer: "/a").description == "patch operation 0: test failed at '/a'")
        #expect(JSONPatchError.invalidOperation(operation: 3, reason: "bad").description == "patch operation 3: bad")
    }
}
