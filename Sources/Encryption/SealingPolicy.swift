import FHIRCore
import Foundation

/// Which top-level elements of each resource type stay plaintext when encryption is on
/// (`conformance/encryption/plaintext-elements.json`); every other element is sealed.
public struct SealingPolicy: Sendable {
    /// Per type: element names (choice elements without `[x]`) and which of them are choices.
    private struct Elements: Sendable {
        var names: Set<String> = []
        var choices: Set<String> = []
    }

    private let everyType: Elements
    private let byType: [String: Elements]

    /// - Parameters:
    ///   - everyType: elements plaintext in every resource type (`id`, `meta`).
    ///   - types: per resource type, its further plaintext elements; `[x]` marks a choice.
    public init(everyType: [String], types: [String: [String]]) {
        func elements(_ names: [String]) -> Elements {
            var result = Elements()
            for name in names {
                if name.hasSuffix("[x]") {
                    let stem = String(name.dropLast(3))
                    result.names.insert(stem)
                    result.choices.insert(stem)
                } else {
                    result.names.insert(name)
                }
            }
            return result
        }
        self.everyType = elements(everyType)
        byType = types.mapValues { elements(everyType + $0) }
    }

    /// Reads the policy file.
    public init(contentsOf file: URL) throws(EncryptionError) {
        let json: JSONValue
        do {
            json = try JSONReader.parse(Array(try Data(contentsOf: file)))
        } catch {
            throw .policy("cannot read \(file.path): \(error)")
        }
        func names(_ value: JSONValue?, _ what: String) throws(EncryptionError) -> [String] {
            guard let array = value?.arrayValue else { throw .policy("\(file.lastPathComponent): \(what) must be an array of element names") }
            var result: [String] = []
            for item in array {
                guard let name = item.stringValue else { throw .policy("\(file.lastPathComponent): \(what) must hold strings only") }
                result.append(name)
            }
            return result
        }
        let everyType = try names(json["everyType"], "everyType")
        var types: [String: [String]] = [:]
        for (type, value) in json["types"]?.objectValue ?? JSONObject() {
            types[type] = try names(value, "types.\(type)")
        }
        self.init(everyType: everyType, types: types)
    }

    /// The plaintext element names of `type` (choice elements without their type suffix), as
    /// search-parameter analysis names what an expression reads.
    public func plaintextElements(of type: String) -> Set<String> {
        (byType[type] ?? everyType).names
    }

    /// Whether the JSON member `key` of a `type` resource stays plaintext. `resourceType`
    /// always does; primitive extensions (`_birthDate`) never do.
    public func isPlaintext(member key: String, of type: String) -> Bool {
        if key == "resourceType" { return true }
        let elements = byType[type] ?? everyType
        if elements.names.contains(key) { return true }
        // `valueQuantity` is the choice element `value` when the rest starts a type name.
        for stem in elements.choices where key.hasPrefix(stem) {
            let rest = key.utf8.dropFirst(stem.utf8.count)
            if let first = rest.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) { return true }
        }
        return false
    }
}
