import FHIRCore

/// Where a node sits in the queried document, as a chain back to the root; rendered as an
/// RFC 9535 §2.7 Normalized Path (`$['store']['book'][0]`).
final class NodePath: Sendable {
    enum Step: Sendable {
        case name(String)
        case index(Int)
    }

    let parent: NodePath?
    let step: Step?

    static let root = NodePath(parent: nil, step: nil)

    private init(parent: NodePath?, step: Step?) {
        self.parent = parent
        self.step = step
    }

    func appending(_ step: Step) -> NodePath { NodePath(parent: self, step: step) }

    var normalized: String {
        var steps: [Step] = []
        var cursor: NodePath? = self
        while let node = cursor {
            if let step = node.step { steps.append(step) }
            cursor = node.parent
        }
        var text = "$"
        for step in steps.reversed() {
            switch step {
            case .index(let index): text += "[\(index)]"
            case .name(let name): text += "['" + Self.escape(name) + "']"
            }
        }
        return text
    }

    private static func escape(_ name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "'": text += "\\'"
            case "\\": text += "\\\\"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}

/// A value found by a query together with its location.
struct Node {
    let value: JSONValue
    let path: NodePath
}
