import FHIRCore

/// The JSON types a function parameter accepts (JMESPath specification, "Function Expressions").
struct ArgumentType: OptionSet, Sendable {
    let rawValue: Int

    static let number = ArgumentType(rawValue: 1 << 0)
    static let string = ArgumentType(rawValue: 1 << 1)
    static let boolean = ArgumentType(rawValue: 1 << 2)
    static let array = ArgumentType(rawValue: 1 << 3)
    static let object = ArgumentType(rawValue: 1 << 4)
    static let null = ArgumentType(rawValue: 1 << 5)
    static let expression = ArgumentType(rawValue: 1 << 6)
    /// `array[number]`
    static let arrayOfNumbers = ArgumentType(rawValue: 1 << 7)
    /// `array[string]`
    static let arrayOfStrings = ArgumentType(rawValue: 1 << 8)
    /// A number written without `.`/`e`/`E` (Json.NET's Integer token; MedTech functions).
    static let integer = ArgumentType(rawValue: 1 << 9)
    static let any: ArgumentType = [.number, .string, .boolean, .array, .object, .null]

    func accepts(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .number(let lexeme):
            return contains(.number) || (contains(.integer) && JMESPathNumber.isIntegerLexeme(lexeme))
        case .string: return contains(.string)
        case .object: return contains(.object)
        case .array(let elements):
            if contains(.array) { return true }
            if contains(.arrayOfNumbers), elements.allSatisfy({ if case .number = $0 { true } else { false } }) {
                return true
            }
            if contains(.arrayOfStrings), elements.allSatisfy({ if case .string = $0 { true } else { false } }) {
                return true
            }
            return false
        }
    }
}

/// A function argument after evaluation: a value, or an unevaluated `&expression`.
enum FunctionArgument {
    case value(JSONValue)
    case expression(SyntaxNode)

    /// The value (the signature check has already ruled out expression references here).
    var value: JSONValue {
        if case .value(let value) = self { return value }
        return .null
    }
}

/// A function callable from expressions: name, signature and implementation.
struct JMESPathFunction: Sendable {
    typealias Body = @Sendable ([FunctionArgument], Interpreter) throws(JMESPathError) -> JSONValue

    let name: String
    let parameters: [ArgumentType]
    /// The last parameter may repeat (`merge`, `not_null`); at least `parameters.count` arguments.
    let variadic: Bool
    let body: Body

    init(_ name: String, _ parameters: [ArgumentType], variadic: Bool = false, body: @escaping Body) {
        self.name = name
        self.parameters = parameters
        self.variadic = variadic
        self.body = body
    }

    func checkArity(_ count: Int) throws(JMESPathError) {
        let fits = variadic ? count >= parameters.count : count == parameters.count
        guard fits else {
            let expected = variadic ? "at least \(parameters.count)" : "\(parameters.count)"
            throw JMESPathError(kind: .invalidArity, message: "\(name)() takes \(expected) argument(s), got \(count)")
        }
    }

    func call(_ arguments: [FunctionArgument], interpreter: Interpreter) throws(JMESPathError) -> JSONValue {
        for (position, argument) in arguments.enumerated() {
            let expected = parameters[min(position, parameters.count - 1)]
            let fits: Bool = switch argument {
            case .expression: expected.contains(.expression)
            case .value(let value): expected.accepts(value)
            }
            guard fits else {
                throw invalidType("argument \(position + 1) has the wrong type")
            }
        }
        return try body(arguments, interpreter)
    }

    func invalidType(_ detail: String) -> JMESPathError {
        JMESPathError(kind: .invalidType, message: "\(name)(): \(detail)")
    }

    func invalidValue(_ detail: String) -> JMESPathError {
        JMESPathError(kind: .invalidValue, message: "\(name)(): \(detail)")
    }
}

/// The functions an expression may call.
public struct JMESPathFunctionSet: Sendable {
    private let functions: [String: JMESPathFunction]

    private init(_ list: [JMESPathFunction]) {
        functions = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The built-in functions of the JMESPath specification.
    public static let standard = JMESPathFunctionSet(StandardFunctions.all)

    /// The standard functions plus MedTech's `add`, `subtract`, `multiply`, `divide`, `pow`,
    /// `insertString`, `fromUnixTimestamp` and `fromUnixTimestampMs`.
    public static let medTech = JMESPathFunctionSet(StandardFunctions.all + MedTechFunctions.all)

    /// Names of the functions in the set, sorted.
    public var names: [String] { functions.keys.sorted() }

    func function(named name: String) -> JMESPathFunction? { functions[name] }
}
