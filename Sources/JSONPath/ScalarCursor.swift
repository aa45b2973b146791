/// Reading position over a query's Unicode scalars, shared by both dialect parsers.
struct ScalarCursor {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    var atEnd: Bool { position >= scalars.count }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let index = position + offset
        return index >= 0 && index < scalars.count ? scalars[index] : nil
    }

    func peekIs(_ character: Character, _ offset: Int = 0) -> Bool {
        guard let scalar = peek(offset) else { return false }
        return Character(scalar) == character
    }

    mutating func advance(_ count: Int = 1) { position += count }

    /// Consumes `text` if it comes next.
    mutating func consume(_ text: String) -> Bool {
        var offset = 0
        for scalar in text.unicodeScalars {
            guard peek(offset) == scalar else { return false }
            offset += 1
        }
        position += offset
        return true
    }

    func text(from start: Int, to end: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[max(0, start)..<min(end, scalars.count)])
        return String(view)
    }

    func error(_ message: String, kind: JSONPathError.Kind = .syntax, at offset: Int? = nil) -> JSONPathError {
        JSONPathError(kind: kind, message: message, offset: offset ?? position)
    }
}
