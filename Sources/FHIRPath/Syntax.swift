/// A parsed expression tree. Its height is bounded by the parser, so evaluating it recursively
/// cannot exhaust the stack.
indirect enum Node: Sendable {
    /// A literal: one value, or none for `{}`.
    case literal(FHIRPathValue?)
    /// `$this`: the item the enclosing function is looking at (or the input at the top level).
    case this
    /// `%name`.
    case constant(String)
    /// `receiver.name`, or `name` at the start of a term (`receiver` nil), where a type name
    /// (`Patient`) selects the focus when it is of that type.
    case member(Member, receiver: Node?)
    case function(FunctionCall)
    /// `collection[index]`.
    case indexer(Node, index: Node)
    case binary(BinaryOperator, Node, Node)
    /// `value is Type` / `value as Type`.
    case typeOperator(TypeOperator, Node, TypeSpecifier)
    /// Unary minus on a non-literal.
    case negate(Node)
}

/// An element name, with the `_name` of its primitive extension part precomputed.
struct Member: Sendable {
    let name: String
    let underscored: String
    /// The type this name stands for when it starts with an upper-case letter, as type names
    /// do and FHIR element names do not.
    let typeName: TypeSpecifier?

    init(_ name: String) {
        self.name = name
        underscored = "_" + name
        let isCapitalized = name.utf8.first.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) } ?? false
        typeName = isCapitalized ? TypeSpecifier(namespace: nil, name: name) : nil
    }
}

struct FunctionCall: Sendable {
    let function: Function
    /// The expression before the dot; nil when the call starts a term (`exists()` on `$this`).
    let receiver: Node?
    let arguments: [Node]
    /// The argument of `ofType`, `as` and `is`.
    let type: TypeSpecifier?
}

enum BinaryOperator: String, Sendable {
    case union = "|"
    case equals = "=", notEquals = "!=", equivalent = "~", notEquivalent = "!~"
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case plus = "+", minus = "-", concatenate = "&"
    case and, or, xor, implies
    case `in`, contains

    /// Binding strength, higher binds tighter (FHIRPath operator precedence).
    var precedence: Int {
        switch self {
        case .implies: 1
        case .or, .xor: 2
        case .and: 3
        case .in, .contains: 4
        case .equals, .notEquals, .equivalent, .notEquivalent: 5
        case .less, .lessOrEqual, .greater, .greaterOrEqual: 6
        case .union: 7
        case .plus, .minus, .concatenate: 9
        }
    }
}

enum TypeOperator: String, Sendable {
    case `is`, `as`

    /// Just above `|` and below `+`.
    static let precedence = 8
}

/// A type name such as `Quantity`, `FHIR.Quantity` or `System.String`. Unqualified names are
/// FHIR types, except the System names (`String`, `DateTime`, ...).
struct TypeSpecifier: Sendable, Equatable {
    let name: String
    /// The System type named, if any.
    let systemKind: FHIRTypes.SystemKind?
    /// Whether a FHIR type is named (`Quantity`, `FHIR.Quantity`); false for System names and
    /// unknown namespaces.
    let isFHIR: Bool

    init(namespace: String?, name: String) {
        self.name = name
        let kind = FHIRTypes.SystemKind(rawValue: name)
        switch namespace {
        case nil: (systemKind, isFHIR) = (kind, kind == nil)
        case "System": (systemKind, isFHIR) = (kind, false)
        case "FHIR": (systemKind, isFHIR) = (nil, true)
        default: (systemKind, isFHIR) = (nil, false)
        }
    }
}
