import FHIRCore

/// The built-in functions of the JMESPath specification (ordering functions are in
/// `OrderingFunctions.swift`).
enum StandardFunctions {
    static let all: [JMESPathFunction] = [
        abs, avg, ceil, contains, endsWith, floor, join, keys, length, map, merge, notNull, reverse,
        startsWith, sum, toArray, toString, toNumber, type, values,
    ] + OrderingFunctions.all

    static let abs = JMESPathFunction("abs", [.number]) { arguments, _ in
        guard case .number(let lexeme) = arguments[0].value else { return .null }
        return .number(lexeme.hasPrefix("-") ? String(lexeme.dropFirst()) : lexeme)
    }

    static let avg = JMESPathFunction("avg", [.arrayOfNumbers]) { arguments, _ in
        let numbers = arguments[0].value.arrayValue ?? []
        guard !numbers.isEmpty else { return .null }
        let total = numbers.reduce(0.0) { $0 + ($1.double ?? 0) }
        return JMESPathNumber.lexeme(total / Double(numbers.count)) ?? .null
    }

    static let ceil = JMESPathFunction("ceil", [.number]) { arguments, _ in
        rounded(arguments[0].value, .up)
    }

    static let floor = JMESPathFunction("floor", [.number]) { arguments, _ in
        rounded(arguments[0].value, .down)
    }

    private static func rounded(_ value: JSONValue, _ rule: FloatingPointRoundingRule) -> JSONValue {
        guard case .number(let lexeme) = value else { return .null }
        if JMESPathNumber.int64(lexeme) != nil { return value }
        return (Double(lexeme)?.rounded(rule)).flatMap(JMESPathNumber.integerLexeme) ?? .null
    }

    static let contains = JMESPathFunction("contains", [[.array, .string], .any]) { arguments, _ in
        switch (arguments[0].value, arguments[1].value) {
        case (.array(let elements), let search):
            return .bool(elements.contains { JSONSemantics.equal($0, search) })
        case (.string(let subject), .string(let search)):
            return .bool(scalars(subject).firstRange(of: scalars(search)) != nil)
        default:
            return .bool(false)
        }
    }

    static let startsWith = JMESPathFunction("starts_with", [.string, .string]) { arguments, _ in
        guard case .string(let subject) = arguments[0].value, case .string(let prefix) = arguments[1].value else { return .null }
        return .bool(scalars(subject).starts(with: scalars(prefix)))
    }

    static let endsWith = JMESPathFunction("ends_with", [.string, .string]) { arguments, _ in
        guard case .string(let subject) = arguments[0].value, case .string(let suffix) = arguments[1].value else { return .null }
        return .bool(scalars(subject).reversed().starts(with: scalars(suffix).reversed()))
    }

    static let join = JMESPathFunction("join", [.string, .arrayOfStrings]) { arguments, _ in
        guard case .string(let glue) = arguments[0].value else { return .null }
        let parts = (arguments[1].value.arrayValue ?? []).compactMap(\.stringValue)
        return .string(parts.joined(separator: glue))
    }

    static let keys = JMESPathFunction("keys", [.object]) { arguments, _ in
        .array((arguments[0].value.objectValue?.keys ?? []).map(JSONValue.string))
    }

    static let values = JMESPathFunction("values", [.object]) { arguments, _ in
        .array((arguments[0].value.objectValue?.members ?? []).map(\.value))
    }

    static let length = JMESPathFunction("length", [[.string, .array, .object]]) { arguments, _ in
        switch arguments[0].value {
        case .string(let text): return .number(String(text.unicodeScalars.count))
        case .array(let elements): return .number(String(elements.count))
        case .object(let object): return .number(String(object.count))
        default: return .null
        }
    }

    static let map = JMESPathFunction("map", [.expression, .array]) { arguments, interpreter throws(JMESPathError) in
        guard case .expression(let expression) = arguments[0] else { return .null }
        var results: [JSONValue] = []
        for element in arguments[1].value.arrayValue ?? [] {
            results.append(try interpreter.evaluate(expression, element))
        }
        return .array(results)
    }

    static let merge = JMESPathFunction("merge", [.object], variadic: true) { arguments, _ in
        var merged = JSONObject()
        for argument in arguments {
            for member in argument.value.objectValue ?? JSONObject() { merged[member.key] = member.value }
        }
        return .object(merged)
    }

    static let notNull = JMESPathFunction("not_null", [.any], variadic: true) { arguments, _ in
        arguments.first { if case .null = $0.value { false } else { true } }?.value ?? .null
    }

    static let reverse = JMESPathFunction("reverse", [[.string, .array]]) { arguments, _ in
        switch arguments[0].value {
        case .string(let text):
            var reversed = String.UnicodeScalarView()
            reversed.append(contentsOf: text.unicodeScalars.reversed())
            return .string(String(reversed))
        case .array(let elements): return .array(elements.reversed())
        default: return .null
        }
    }

    static let sum = JMESPathFunction("sum", [.arrayOfNumbers]) { arguments, _ in
        let numbers = (arguments[0].value.arrayValue ?? []).compactMap(\.numberLexeme)
        var exact: Int64? = 0
        for lexeme in numbers {
            guard let running = exact, let value = JMESPathNumber.int64(lexeme) else { exact = nil; break }
            let (total, overflow) = running.addingReportingOverflow(value)
            exact = overflow ? nil : total
        }
        if let exact { return JMESPathNumber.lexeme(exact) }
        return JMESPathNumber.lexeme(numbers.reduce(0.0) { $0 + (Double($1) ?? 0) }) ?? .null
    }

    static let toArray = JMESPathFunction("to_array", [.any]) { arguments, _ in
        let value = arguments[0].value
        if case .array = value { return value }
        return .array([value])
    }

    static let toString = JMESPathFunction("to_string", [.any]) { arguments, _ in
        let value = arguments[0].value
        if case .string = value { return value }
        return .string(JSONWriter.string(value))
    }

    /// Numbers pass through; a string that is a JSON number becomes that number; else null.
    static let toNumber = JMESPathFunction("to_number", [.any]) { arguments, _ in
        switch arguments[0].value {
        case .number: return arguments[0].value
        case .string(let text):
            if case .number(let lexeme)? = try? JSONReader.parse(text) { return .number(lexeme) }
            return .null
        default: return .null
        }
    }

    static let type = JMESPathFunction("type", [.any]) { arguments, _ in
        .string(JSONSemantics.typeName(arguments[0].value))
    }
}

/// A string's Unicode scalars as an array, for code-point (not grapheme) matching.
private func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }
