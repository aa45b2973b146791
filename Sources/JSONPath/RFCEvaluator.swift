import FHIRCore

/// Evaluates RFC 9535 segments against a document (§2.3, §2.5).
struct RFCEvaluator {
    let root: JSONValue

    func evaluate(_ segments: [RFCSegment], from start: Node) -> [Node] {
        var nodes = [start]
        for segment in segments {
            var next: [Node] = []
            for node in nodes {
                if segment.descendant {
                    Descendants.forEach(of: node) { visited in select(segment.selectors, from: visited, into: &next) }
                } else {
                    select(segment.selectors, from: node, into: &next)
                }
            }
            nodes = next
        }
        return nodes
    }

    private func select(_ selectors: [RFCSelector], from node: Node, into output: inout [Node]) {
        for selector in selectors {
            select(selector, from: node, into: &output)
        }
    }

    private func select(_ selector: RFCSelector, from node: Node, into output: inout [Node]) {
        switch (selector, node.value) {
        case (.name(let name), .object(let object)):
            if let member = object.members.first(where: { JSONEquality.sameString($0.key, name) }) {
                output.append(Node(value: member.value, path: node.path.appending(.name(member.key))))
            }
        case (.wildcard, _), (.filter, _):
            for child in Descendants.children(of: node) where selector.accepts(child, evaluator: self) {
                output.append(child)
            }
        case (.index(let index), .array(let elements)):
            let resolved = index < 0 ? elements.count + index : index
            if resolved >= 0, resolved < elements.count {
                output.append(Node(value: elements[resolved], path: node.path.appending(.index(resolved))))
            }
        case (.slice(let start, let end, let step), .array(let elements)):
            for index in Self.sliceIndices(count: elements.count, start: start, end: end, step: step) {
                output.append(Node(value: elements[index], path: node.path.appending(.index(index))))
            }
        default:
            break
        }
    }

    /// RFC 9535 §2.3.4.2.2.
    static func sliceIndices(count: Int, start: Int?, end: Int?, step: Int?) -> [Int] {
        let step = step ?? 1
        guard step != 0, count > 0 else { return [] }
        func normalize(_ index: Int) -> Int { index >= 0 ? index : count + index }
        var indices: [Int] = []
        if step > 0 {
            let lower = min(max(normalize(start ?? 0), 0), count)
            let upper = min(max(normalize(end ?? count), 0), count)
            var index = lower
            while index < upper {
                indices.append(index)
                index += step
            }
        } else {
            let upper = min(max(normalize(start ?? count - 1), -1), count - 1)
            let lower = min(max(end.map(normalize) ?? -1, -1), count - 1)
            var index = upper
            while lower < index {
                indices.append(index)
                index += step
            }
        }
        return indices
    }
}

extension RFCSelector {
    /// Wildcards accept every child; filters those whose expression holds.
    fileprivate func accepts(_ child: Node, evaluator: RFCEvaluator) -> Bool {
        guard case .filter(let expression) = self else { return true }
        return FilterEvaluator(root: evaluator.root, current: child).test(expression)
    }
}

/// Children and pre-order descendants of a node, in document order.
enum Descendants {
    static func children(of node: Node) -> [Node] {
        switch node.value {
        case .array(let elements):
            return elements.enumerated().map { Node(value: $1, path: node.path.appending(.index($0))) }
        case .object(let object):
            return object.members.map { Node(value: $0.value, path: node.path.appending(.name($0.key))) }
        default:
            return []
        }
    }

    /// Visits `node` and then every descendant in document pre-order, without recursion so that
    /// deep documents cannot exhaust the stack.
    static func forEach(of node: Node, _ body: (Node) -> Void) {
        var stack = [node]
        while let next = stack.popLast() {
            body(next)
            stack.append(contentsOf: children(of: next).reversed())
        }
    }
}
