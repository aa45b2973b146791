/// Which top-level elements of a resource an expression can read: an abstract interpretation
/// of the `Node` tree that mirrors `Evaluator`, with each collection replaced by the set of
/// places its items can come from (`Origin`).
///
/// It assumes the evaluation `SearchIndexer` makes: on the resource, which is also `%resource`
/// and `%rootResource`, with no variables holding its elements. An element counts as read as
/// soon as the expression navigates into it; what is found below it stays inside it. Comparing
/// items (`=`, `in`, `distinct()`, the duplicate removal of `|`) needs no rule of its own:
/// items inside `X` are covered by `X`, and the resource itself only ever equals itself (every
/// other item is a proper part of it or comes from elsewhere), so comparing it reads nothing.
extension FHIRPathExpression {
    /// The top-level elements of a `resourceType` resource that evaluating this expression on
    /// such a resource can read (element names as in the definitions, choice elements without
    /// their type suffix: `value` for `valueQuantity`), or nil when the expression reaches the
    /// resource in a way the analysis cannot bound (`children()`, `descendants()` on the
    /// resource itself, ...).
    ///
    /// `resolve()` reads `contained`, where it looks up `#id` references. The results count as
    /// read in full, so an expression that can return the resource itself (`Observation`, or
    /// `subject.resolve()`, since `#` is the resource) gives nil; see
    /// `topLevelElements(readFrom:thenEvaluating:)`. A choice variant named directly
    /// (`Observation.valueQuantity`) is reported as written, which an allow-list of element
    /// names does not contain.
    ///
    /// ```swift
    /// try FHIRPathExpression(parsing: "Observation.value as Quantity").topLevelElements(readFrom: "Observation")
    /// // ["value"]
    /// ```
    public func topLevelElements(readFrom resourceType: String) -> Set<String>? {
        var analysis = ElementAnalysis(resourceType: resourceType, input: [.resource])
        guard let results = try? analysis.origins(of: root, focus: [.resource]), !results.contains(.resource) else { return nil }
        return analysis.elements
    }

    /// Like `topLevelElements(readFrom:)`, for results that are not read themselves but each
    /// serve as the input of `components`, as the components of a composite search parameter
    /// do (`Observation` with `code` and `value.as(Quantity)` gives `code` and `value`).
    public func topLevelElements(readFrom resourceType: String, thenEvaluating components: [FHIRPathExpression]) -> Set<String>? {
        var analysis = ElementAnalysis(resourceType: resourceType, input: [.resource])
        guard let results = try? analysis.origins(of: root, focus: [.resource]) else { return nil }
        var elements = analysis.elements
        for component in components {
            var componentAnalysis = ElementAnalysis(resourceType: resourceType, input: results)
            guard let componentResults = try? componentAnalysis.origins(of: component.root, focus: results),
                  !componentResults.contains(.resource) else { return nil }
            elements.formUnion(componentAnalysis.elements)
        }
        return elements
    }
}

/// Where the items of a collection can come from.
private enum Origin: Hashable {
    /// The resource being analysed.
    case resource
    /// Somewhere inside this top-level element of it.
    case inside(String)
    /// Not a part of the resource: a literal, a computed value (what it was computed from is
    /// counted already), another resource.
    case elsewhere
}

/// The expression reaches the resource in a way the analysis cannot bound.
private struct Unbounded: Error {}

/// One analysis: the elements read so far, for a resource type and a given `%context`.
private struct ElementAnalysis {
    let resourceType: String
    /// `%context`: the input.
    let input: Set<Origin>
    /// The top-level elements read so far.
    private(set) var elements: Set<String> = []

    init(resourceType: String, input: Set<Origin>) {
        self.resourceType = resourceType
        self.input = input
    }

    /// Where the result of `node` can come from when its focus (`$this`) comes from `focus`.
    mutating func origins(of node: Node, focus: Set<Origin>) throws(Unbounded) -> Set<Origin> {
        switch node {
        case .literal(let value):
            return value == nil ? [] : [.elsewhere]
        case .this:
            return focus
        case .constant("context"):
            return input
        case .constant("resource"), .constant("rootResource"):
            return [.resource]
        case .constant:
            return [.elsewhere]
        case .member(let member, let receiver?):
            return child(member.name, of: try origins(of: receiver, focus: focus))
        case .member(let member, receiver: nil):
            guard let type = member.typeName else { return child(member.name, of: focus) }
            return filter(focus, by: type)
        case .function(let call):
            return try origins(of: call, focus: focus)
        case .indexer(let base, let index):
            _ = try origins(of: index, focus: focus)
            return try origins(of: base, focus: focus)
        case .binary(let binary, let left, let right):
            let union = try origins(of: left, focus: focus).union(try origins(of: right, focus: focus))
            return binary == .union ? union : [.elsewhere]
        case .typeOperator(.is, let operand, _):
            _ = try origins(of: operand, focus: focus)
            return [.elsewhere]
        case .typeOperator(.as, let operand, let type):
            return filter(try origins(of: operand, focus: focus), by: type)
        case .negate(let operand):
            _ = try origins(of: operand, focus: focus)
            return [.elsewhere]
        }
    }

    /// As `Evaluator.evaluate(_:focus:)` for calls: criteria arguments see the input items as
    /// `$this`, other arguments (`iif`'s too) the caller's focus; type arguments are not evaluated.
    private mutating func origins(of call: FunctionCall, focus: Set<Origin>) throws(Unbounded) -> Set<Origin> {
        let input = try call.receiver.map { (receiver) throws(Unbounded) in try origins(of: receiver, focus: focus) } ?? focus
        var arguments: [Set<Origin>] = []
        if !call.function.takesType {
            let argumentFocus: Set<Origin>
            switch call.function {
            case .where, .select, .all, .exists: argumentFocus = input
            default: argumentFocus = focus
            }
            for argument in call.arguments { arguments.append(try origins(of: argument, focus: argumentFocus)) }
        }
        switch call.function {
        case .where, .first, .last, .tail, .skip, .take, .single, .distinct, .intersect, .exclude, .trace:
            return input
        case .ofType, .as:
            guard let type = call.type else { return [] }
            return filter(input, by: type)
        case .select:
            return arguments.first ?? []
        case .union, .combine:
            return input.union(arguments.first ?? [])
        case .iif:
            return arguments.dropFirst().reduce([]) { $0.union($1) }
        case .extension:
            return child("extension", of: input)
        case .children, .descendants:
            guard !input.contains(.resource) else { throw Unbounded() }
            return input
        case .resolve:
            // `#id` is looked up in `%resource.contained`, and `#` is `%resource` itself.
            guard !input.isEmpty else { return [] }
            elements.insert("contained")
            return [.inside("contained"), .resource, .elsewhere]
        case .empty, .exists, .all, .allTrue, .anyTrue, .allFalse, .anyFalse, .count, .isDistinct, .not, .is, .hasValue,
             .startsWith, .endsWith, .contains, .matches, .replaceMatches, .length, .substring, .lower, .upper,
             .toString, .toInteger:
            return [.elsewhere]
        }
    }

    /// `name` under each origin: reading it when the origin is the resource.
    private mutating func child(_ name: String, of origins: Set<Origin>) -> Set<Origin> {
        Set(origins.map { origin in
            guard origin == .resource else { return origin }
            elements.insert(name)
            return .inside(name)
        })
    }

    /// The origins whose items can be of `type`: the resource only when its type is (or
    /// derives from) `type`, as `Patient.name` and `DomainResource.text` select.
    private func filter(_ origins: Set<Origin>, by type: TypeSpecifier) -> Set<Origin> {
        let resource = FHIRPathValue.node(FHIRPathNode(resourceType: resourceType))
        return origins.filter { $0 != .resource || FHIRTypes.value(resource, isOf: type) }
    }
}
