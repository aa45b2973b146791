import FHIRCore

/// Walks a `Node` tree over one input. Every node maps a focus collection (`$this`) to a
/// result collection.
struct Evaluator {
    let context: FHIRPathContext
    /// `%context`: the input.
    let input: [FHIRPathValue]
    /// `%resource`.
    let resource: [FHIRPathValue]
    /// `%rootResource`.
    let rootResource: [FHIRPathValue]

    init(input: FHIRPathValue, context: FHIRPathContext) {
        self.context = context
        self.input = [input]
        if let resource = context.resource {
            self.resource = [.node(FHIRPathNode(resource: resource))]
        } else {
            self.resource = input.node?.isResource == true ? [input] : []
        }
        rootResource = context.rootResource.map { [.node(FHIRPathNode(resource: $0))] } ?? resource
    }

    func evaluate(_ node: Node, focus: [FHIRPathValue]) throws(FHIRPathEvaluationError) -> [FHIRPathValue] {
        switch node {
        case .literal(let value):
            return value.map { [$0] } ?? []
        case .this:
            return focus
        case .constant(let name):
            return try constant(name)
        case .member(let member, let receiver?):
            return navigate(try evaluate(receiver, focus: focus), to: member)
        case .member(let member, receiver: nil):
            // A capitalised name starting a path is a type (`Observation.code`): it selects the
            // focus when the focus is of that type. FHIR element names are never capitalised.
            guard let type = member.typeName else { return navigate(focus, to: member) }
            return focus.filter { FHIRTypes.value($0, isOf: type) }
        case .function(let call):
            return try evaluate(call, focus: focus)
        case .indexer(let base, let index):
            let items = try evaluate(base, focus: focus)
            guard let position = try integer(try evaluate(index, focus: focus), for: "an indexer"),
                  items.indices.contains(position) else { return [] }
            return [items[position]]
        case .binary(let binary, let left, let right):
            return try evaluate(binary, left, right, focus: focus)
        case .typeOperator(.is, let operand, let type):
            guard let item = try single(try evaluate(operand, focus: focus), for: "'is'") else { return [] }
            return [.boolean(FHIRTypes.value(item, isOf: type))]
        case .typeOperator(.as, let operand, let type):
            // Filters rather than failing on several items: the R4 definitions apply `as` to
            // repeating elements (`Observation.component.value as Quantity`).
            return try evaluate(operand, focus: focus).filter { FHIRTypes.value($0, isOf: type) }
        case .negate(let operand):
            guard let item = try single(try evaluate(operand, focus: focus), for: "unary '-'") else { return [] }
            switch item.primitiveValue {
            case .integer(let value):
                let (negated, overflow) = 0.subtractingReportingOverflow(value)
                guard !overflow else { throw FHIRPathEvaluationError("integer overflow in unary '-'") }
                return [.integer(negated)]
            case .decimal(let lexeme): return [.decimal(lexeme.hasPrefix("-") ? String(lexeme.dropFirst()) : "-" + lexeme)]
            default: throw FHIRPathEvaluationError("unary '-' needs a number")
            }
        }
    }

    private func constant(_ name: String) throws(FHIRPathEvaluationError) -> [FHIRPathValue] {
        switch name {
        case "context": return input
        case "resource": return resource
        case "rootResource": return rootResource
        case "ucum": return [.string("http://unitsofmeasure.org")]
        case "sct": return [.string("http://snomed.info/sct")]
        case "loinc": return [.string("http://loinc.org")]
        default:
            if let value = context.variables[name] { return value }
            if name.hasPrefix("vs-") { return [.string("http://hl7.org/fhir/ValueSet/" + name.dropFirst(3))] }
            if name.hasPrefix("ext-") { return [.string("http://hl7.org/fhir/StructureDefinition/" + name.dropFirst(4))] }
            throw FHIRPathEvaluationError("unknown variable %\(name)")
        }
    }

    // MARK: Singletons

    /// The only item, nil for none; several items are an error.
    func single(_ items: [FHIRPathValue], for what: String) throws(FHIRPathEvaluationError) -> FHIRPathValue? {
        guard items.count <= 1 else { throw FHIRPathEvaluationError("\(what) expects one item, got \(items.count)") }
        return items.first
    }

    /// Singleton evaluation as a boolean: nil for none, a boolean's value, true for any other item.
    func boolean(_ items: [FHIRPathValue], for what: String) throws(FHIRPathEvaluationError) -> Bool? {
        guard let item = try single(items, for: what) else { return nil }
        if case .boolean(let value)? = item.primitiveValue { return value }
        return true
    }

    func integer(_ items: [FHIRPathValue], for what: String) throws(FHIRPathEvaluationError) -> Int? {
        guard let item = try single(items, for: what) else { return nil }
        guard case .integer(let value)? = item.primitiveValue else { throw FHIRPathEvaluationError("\(what) expects an integer") }
        return value
    }

    func string(_ items: [FHIRPathValue], for what: String) throws(FHIRPathEvaluationError) -> String? {
        guard let item = try single(items, for: what) else { return nil }
        guard case .string(let value)? = item.primitiveValue else { throw FHIRPathEvaluationError("\(what) expects a string") }
        return value
    }
}
