import FHIRCore

/// Moving from elements to their children: choice elements (`value` finds `valueQuantity`),
/// repeating elements, primitive values with their `_name` extension part, and resources.
extension Evaluator {
    /// The children named `member` of every element of `items`, in order.
    func navigate(_ items: [FHIRPathValue], to member: Member) -> [FHIRPathValue] {
        var result: [FHIRPathValue] = []
        for case .node(let node) in items {
            appendChildren(of: node, named: member, to: &result)
        }
        return result
    }

    /// Every child of every element of `items` (`children()`).
    func allChildren(_ items: [FHIRPathValue]) -> [FHIRPathValue] {
        var result: [FHIRPathValue] = []
        for case .node(let node) in items {
            appendAllChildren(of: node, to: &result)
        }
        return result
    }

    /// Children, grandchildren and so on (`descendants()`), breadth first, without recursion.
    func descendants(_ items: [FHIRPathValue]) -> [FHIRPathValue] {
        var result = allChildren(items)
        var index = 0
        while index < result.count {
            if case .node(let node) = result[index] { appendAllChildren(of: node, to: &result) }
            index += 1
        }
        return result
    }

    private func appendChildren(of node: FHIRPathNode, named member: Member, to result: inout [FHIRPathValue]) {
        guard case .object(let object) = node.json else {
            // A primitive's own children (`id`, `extension`) live in its `_name` object.
            guard let element = node.primitiveElement else { return }
            let holder = FHIRPathNode(json: .object(element), type: nil, structure: node.type)
            return appendChildren(of: holder, named: member, to: &result)
        }
        switch node.structure.flatMap({ context.model?.element(member.name, in: $0) }) {
        case .single(let type)?:
            let value = object[member.name]
            append(value, primitivePart: Self.mayHavePrimitivePart(value) ? object[member.underscored] : nil, type: type, to: &result)
        case .choice(let variants)?:
            appendChoice(member, in: object, to: &result) { variants[$0] }
        case nil:
            let value = object[member.name]
            let primitivePart = Self.mayHavePrimitivePart(value) ? object[member.underscored] : nil
            if value != nil || primitivePart != nil {
                append(value, primitivePart: primitivePart, type: nil, to: &result)
            } else {
                // Untyped: a member named like `valueQuantity` is a choice variant typed by its suffix.
                appendChoice(member, in: object, to: &result) { suffix in
                    guard let first = suffix.utf8.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else { return nil }
                    let name = FHIRTypes.typeName(ofChoiceSuffix: suffix)
                    return ElementType(name: name, structure: name)
                }
            }
        }
    }

    /// The members `<name><Suffix>` (and lone `_<name><Suffix>`) whose suffix `type` accepts.
    private func appendChoice(
        _ member: Member, in object: JSONObject, to result: inout [FHIRPathValue], type: (Substring) -> ElementType?
    ) {
        for (key, value) in object where key.hasPrefix(member.name) {
            guard let elementType = type(key.dropFirst(member.name.count)) else { continue }
            let primitivePart = Self.mayHavePrimitivePart(value) ? object["_" + key] : nil
            append(value, primitivePart: primitivePart, type: elementType, to: &result)
        }
        for (key, value) in object where key.hasPrefix(member.underscored) && object[String(key.dropFirst())] == nil {
            guard let elementType = type(key.dropFirst(member.underscored.count)) else { continue }
            append(nil, primitivePart: value, type: elementType, to: &result)
        }
    }

    private func appendAllChildren(of node: FHIRPathNode, to result: inout [FHIRPathValue]) {
        guard case .object(let object) = node.json else {
            guard let element = node.primitiveElement else { return }
            return appendAllChildren(of: FHIRPathNode(json: .object(element), type: nil, structure: node.type), to: &result)
        }
        for (key, value) in object where key != "resourceType" {
            if key.hasPrefix("_") {
                let name = String(key.dropFirst())
                if object[name] == nil { append(nil, primitivePart: value, type: singleType(name, under: node), to: &result) }
            } else {
                let primitivePart = Self.mayHavePrimitivePart(value) ? object["_" + key] : nil
                append(value, primitivePart: primitivePart, type: singleType(key, under: node), to: &result)
            }
        }
    }

    /// The type of the member named `key` (an element or a choice variant's JSON name).
    private func singleType(_ key: String, under node: FHIRPathNode) -> ElementType? {
        guard let structure = node.structure, case .single(let type)? = context.model?.element(key, in: structure) else { return nil }
        return type
    }

    /// Whether a member's value can have a `_name` sibling: primitives (or their arrays), or no value.
    private static func mayHavePrimitivePart(_ value: JSONValue?) -> Bool {
        switch value {
        case .object?: false
        case .array(let items)?: items.first?.objectValue == nil
        default: true
        }
    }

    /// Appends the items of a member's value, pairing array items with their `_name` parts.
    private func append(_ value: JSONValue?, primitivePart: JSONValue?, type: ElementType?, to result: inout [FHIRPathValue]) {
        switch value {
        case .array(let items)?:
            let parts = primitivePart?.arrayValue ?? []
            for (index, item) in items.enumerated() {
                let part = index < parts.count ? parts[index].objectValue : nil
                if item == .null, part == nil { continue }
                result.append(.node(makeNode(item, primitivePart: part, type: type)))
            }
        case let item?:
            result.append(.node(makeNode(item, primitivePart: primitivePart?.objectValue, type: type)))
        case nil:
            switch primitivePart {
            case .array(let parts)?:
                for case .object(let part) in parts { result.append(.node(makeNode(.null, primitivePart: part, type: type))) }
            case .object(let part)?:
                result.append(.node(makeNode(.null, primitivePart: part, type: type)))
            default:
                break
            }
        }
    }

    private func makeNode(_ json: JSONValue, primitivePart: JSONObject?, type: ElementType?) -> FHIRPathNode {
        if type == nil || type?.name == "Resource", case .object(let object) = json,
           let resourceType = object["resourceType"]?.stringValue {
            return FHIRPathNode(resourceType: resourceType, json: json)
        }
        return FHIRPathNode(json: json, type: type?.name, structure: type?.structure, primitiveElement: primitivePart)
    }
}
