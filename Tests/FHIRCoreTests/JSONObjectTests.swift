import Testing
import FHIRCore

@Suite("JSONObject and JSONValue")
struct JSONObjectTests {
    @Test func settingANewKeyAppends() {
        var object = JSONObject()
        #expect(object.isEmpty)
        object["b"] = 1
        object["a"] = 2
        object["c"] = 3
        #expect(object.keys == ["b", "a", "c"])
        #expect(object.count == 3)
        #expect(!object.isEmpty)
    }

    @Test func replacingKeepsThePosition() {
        var object: JSONObject = ["b": 1, "a": 2, "c": 3]
        object["a"] = "new"
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["a"] == "new")
        #expect(object.count == 3)
    }

    @Test func assigningNilRemovesOnlyThatMember() {
        var object: JSONObject = ["b": 1, "a": 2, "c": 3]
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(object["a"] == nil)
        object["missing"] = nil
        #expect(object.keys == ["b", "c"])
        object["a"] = 4  // re-added at the end
        #expect(object.keys == ["b", "c", "a"])
    }

    @Test func assigningJSONNullKeepsTheMember() {
        var object: JSONObject = ["a": 1]
        object["a"] = .null
        #expect(object.keys == ["a"])
        #expect(object["a"] == .null)
    }

    @Test func iteratesMembersInOrder() {
        let object = JSONObject(uniqueMembers: [(key: "x", value: 1), (key: "a", value: 2)])
        #expect(object.map(\.key) == ["x", "a"])
        #expect(object.map(\.value) == [1, 2])
        #expect(object.members.map(\.key) == ["x", "a"])
    }

    @Test func dictionaryLiteralKeepsOrderAndTheLastDuplicate() {
        let object: JSONObject = ["b": 1, "a": 2]
        #expect(object.keys == ["b", "a"])
        let value: JSONValue = ["k": 1, "k": 2]
        #expect(value.objectValue?.keys == ["k"])
        #expect(value["k"] == 2)
    }

    @Test func literalsBuildTheExpectedCases() {
        let value: JSONValue = ["s": "x", "b": true, "i": -7, "n": nil, "a": [1, "two"]]
        #expect(value["s"] == .string("x"))
        #expect(value["b"] == .bool(true))
        #expect(value["i"] == .number("-7"))
        #expect(value["n"] == .null)
        #expect(value["a"] == .array([.number("1"), .string("two")]))
    }

    @Test func equalityIgnoresMemberOrder() throws {
        let lhs = try json(#"{"a":1,"b":{"x":[1,2],"y":null}}"#)
        let rhs = try json(#"{"b":{"y":null,"x":[1,2]},"a":1}"#)
        #expect(lhs == rhs)
        #expect(lhs.objectValue == rhs.objectValue)
        #expect(JSONWriter.string(lhs) != JSONWriter.string(rhs))  // yet each keeps its own order
    }

    @Test func equalityStillComparesKeysValuesCountsAndArrayOrder() throws {
        let base = try json(#"{"a":1,"b":[1,2]}"#)
        #expect(base != (try json(#"{"a":1,"b":[2,1]}"#)))
        #expect(base != (try json(#"{"a":1,"b":[1,2],"c":3}"#)))
        #expect(base != (try json(#"{"a":1}"#)))
        #expect(base != (try json(#"{"a":2,"b":[1,2]}"#)))
        #expect(base != (try json(#"{"A":1,"b":[1,2]}"#)))
        #expect(base != (try json(#"[{"a":1,"b":[1,2]}]"#)))
        #expect(JSONValue.null != .bool(false))
        #expect(JSONValue.string("1") != .number("1"))
    }

    @Test func hashIsConsistentWithOrderInsensitiveEquality() throws {
        let lhs = try json(#"{"a":1,"b":{"x":"1","y":[true,null]},"c":"z"}"#)
        let rhs = try json(#"{"c":"z","b":{"y":[true,null],"x":"1"},"a":1}"#)
        #expect(lhs == rhs)
        #expect(lhs.hashValue == rhs.hashValue)
        #expect(lhs.objectValue?.hashValue == rhs.objectValue?.hashValue)
        let set: Set<JSONValue> = [lhs, rhs, try json(#"{"a":1}"#)]
        #expect(set.count == 2)
        let objects: Set<JSONObject> = [["a": 1, "b": 2], ["b": 2, "a": 1], ["a": 2, "b": 1]]
        #expect(objects.count == 2)
    }

    @Test func hashDistinguishesSwappedValues() {
        // A commutative combination must still tie each value to its key.
        let lhs: JSONObject = ["a": 1, "b": 2]
        let rhs: JSONObject = ["a": 2, "b": 1]
        #expect(lhs != rhs)
        #expect(lhs.hashValue != rhs.hashValue)
    }
}
