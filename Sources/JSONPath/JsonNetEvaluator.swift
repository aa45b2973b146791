import FHIRCore

/// Evaluates Json.NET path steps the way Newtonsoft's `PathFilter`s do. Json.NET also visits
/// `JProperty` wrapper tokens during scans and object filters; those have no JSON value and are
/// not modelled, so filters that would only match such wrappers (e.g. `[?(true)]` on an object)
/// select nothing here.
struct JsonNetEvaluator {
    let root: JSONValue

    func evaluate(_ steps: [JsonNetStep], from start: [Node]) -> [Node] {
        var nodes = start
        for step in steps {
            var next: [Node] = []
            apply(step, to: nodes, into: &next)
            nodes = next
        }
        return nodes
    }

    private func apply(_ step: JsonNetStep, to nodes: [Node], into output: inout [Node]) {
        if case .root = step {
            output.append(Node(value: root, path: .root))
            return
        }
        for node in nodes {
            apply(step, to: node, into: &output)
        }
    }

    private func apply(_ step: JsonNetStep, to node: Node, into output: inout [Node]) {
        switch step {
        case .root:
            output.append(Node(value: root, path: .root))
        case .field(let name?):
            if let member = Self.member(name, of: node) { output.append(member) }
        case .field(nil):
            if case .object = node.value { output.append(contentsOf: Descendants.children(of: node)) }
        case .fields(let names):
            output.append(contentsOf: names.compactMap { Self.member($0, of: node) })
        case .scan(let name):
            if name == nil { output.append(node) }
            Self.forEachDescendant(of: node) { descendant, key in
                if name == nil || key.map({ JSONEquality.sameString($0, name ?? "") }) == true {
                    output.append(descendant)
                }
            }
        case .scanFields(let names):
            Self.forEachDescendant(of: node) { descendant, key in
                guard let key else { return }
                for name in names where JSONEquality.sameString(name, key) { output.append(descendant) }
            }
        case .index(let index):
            if let element = Self.element(index, of: node) { output.append(element) }
        case .indexes(let indexes):
            output.append(contentsOf: indexes.compactMap { Self.element($0, of: node) })
        case .allElements:
            if case .array = node.value { output.append(contentsOf: Descendants.children(of: node)) }
        case .slice(let start, let end, let step):
            guard case .array(let elements) = node.value else { return }
            for index in Self.sliceIndices(count: elements.count, start: start, end: end, step: step ?? 1) {
                output.append(Node(value: elements[index], path: node.path.appending(.index(index))))
            }
        case .filter(let condition, scan: false):
            guard case .array = node.value else { return }
            for child in Descendants.children(of: node) where matches(condition, child) { output.append(child) }
        case .filter(let condition, scan: true):
            Descendants.forEach(of: node) { candidate in
                if matches(condition, candidate) { output.append(candidate) }
            }
        }
    }

    private static func member(_ name: String, of node: Node) -> Node? {
        guard case .object(let object) = node.value,
              let member = object.members.first(where: { JSONEquality.sameString($0.key, name) }) else { return nil }
        return Node(value: member.value, path: node.path.appending(.name(member.key)))
    }

    private static func element(_ index: Int, of node: Node) -> Node? {
        guard case .array(let elements) = node.value, index >= 0, index < elements.count else { return nil }
        return Node(value: elements[index], path: node.path.appending(.index(index)))
    }

    /// Descendants (not the node itself) in document pre-order, with the member name each one
    /// sits under (`nil` for array elements).
    private static func forEachDescendant(of node: Node, _ body: (Node, String?) -> Void) {
        Descendants.forEach(of: node) { descendant in
            guard descendant.path !== node.path else { return }
            if case .name(let key)? = descendant.path.step { body(descendant, key) } else { body(descendant, nil) }
        }
    }

    /// Newtonsoft `ArraySliceFilter`: Python-like bounds, clamped.
    static func sliceIndices(count: Int, start: Int?, end: Int?, step: Int) -> [Int] {
        guard step != 0 else { return [] }
        var first = start ?? (step > 0 ? 0 : count - 1)
        var stop = end ?? (step > 0 ? count : -1)
        if let start, start < 0 { first = count + start }
        if let end, end < 0 { stop = count + end }
        first = step > 0 ? min(max(first, 0), count) : min(first, count - 1)
        stop = min(max(stop, -1), count)
        var indices: [Int] = []
        var index = first
        while step > 0 ? index < stop : index > stop {
            if index >= 0, index < count { indices.append(index) }
            index += step
        }
        return indices
    }

    func matches(_ condition: JsonNetCondition, _ node: Node) -> Bool {
        switch condition {
        case .all(let items): return items.allSatisfy { matches($0, node) }
        case .any(let items): return items.contains { matches($0, node) }
        case .test(let test):
            let left = values(test.left, node)
            if test.comparison == .exists { return !left.isEmpty }
            guard !left.isEmpty, let rightOperand = test.right else { return false }
            let right = values(rightOperand, node)
            return left.contains { leftValue in
                right.contains { JsonNetComparison.matches(test, leftValue, $0) }
            }
        }
    }

    private func values(_ operand: JsonNetOperand, _ node: Node) -> [JSONValue] {
        switch operand {
        case .value(let value): return [value]
        case .path(let steps): return evaluate(steps, from: [node]).map(\.value)
        }
    }
}
