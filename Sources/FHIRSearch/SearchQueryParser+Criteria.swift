/// Parameter names: `code[:modifier]`, chains `ref[:Type].…`, and `_has:Type:ref:…`.
extension SearchQueryParser {
    /// Modifiers with a fixed name, by that name. `:missing` and `:[type]` are handled apart.
    private static let namedModifiers: [String: SearchModifier] = [
        "exact": .exact, "contains": .contains, "text": .text, "not": .not,
        "above": .above, "below": .below, "identifier": .identifier, "of-type": .ofType,
    ]
    /// Token modifiers that need a terminology service.
    private static let terminologyModifiers: Set<String> = ["above", "below", "in", "not-in"]

    /// The criterion `path=value` sets on `resourceType`. `path` is the parameter name or, in a
    /// chain or `_has`, what remains of it; `name` is the whole name, for errors.
    func criterion(_ path: Substring, on resourceType: String, name: String, value: String) throws(SearchQueryError) -> SearchCriterion {
        if path.hasPrefix("_has:") {
            return try reverseChain(path.dropFirst("_has:".count), on: resourceType, name: name, value: value)
        }
        if let dot = path.firstIndex(of: ".") {
            return try chain(link: path[..<dot], rest: path[path.index(after: dot)...], on: resourceType, name: name, value: value)
        }
        let (code, modifierName) = Self.splitModifier(path)
        let parameter = try searchableParameter(code, on: resourceType, name: name)
        if modifierName == "missing" {
            guard parameter.modifiers.contains("missing") else { throw .unknownModifier(name: name, modifier: "missing") }
            guard let missing = Bool(value) else { throw .invalidValue(name: name, value: value, reason: "is not true or false") }
            return .missing(parameter, missing)
        }
        let modifier = try modifierName.map { (text) throws(SearchQueryError) in try self.modifier(text, for: parameter, name: name) }
        return .match(ParameterMatch(parameter: parameter, modifier: modifier, values: try matchValues(value, for: parameter, modifier: modifier, name: name)))
    }

    /// `link` is `ref[:Type]`, a reference parameter of `resourceType`; `rest` is evaluated on the
    /// type it points at. Without `:Type`, on each target type that has `rest`'s parameter.
    private func chain(link: Substring, rest: Substring, on resourceType: String, name: String, value: String) throws(SearchQueryError) -> SearchCriterion {
        let (code, modifierName) = Self.splitModifier(link)
        let reference = try searchableParameter(code, on: resourceType, name: name)
        guard reference.type == .reference else {
            throw .invalidChain(name: name, reason: "'\(code)' is not a reference parameter, so it cannot be chained")
        }
        let candidates: [String]
        if let modifierName {
            guard case .type(let type) = try modifier(modifierName, for: reference, name: name) else {
                throw .unknownModifier(name: name, modifier: modifierName)
            }
            candidates = [type]
        } else {
            candidates = reference.targets.isEmpty ? resourceTypes.sorted() : reference.targets.filter(resourceTypes.contains)
        }
        var targetTypes: [String] = []
        var inner: SearchCriterion?
        for candidate in candidates {
            let criterion: SearchCriterion
            do {
                criterion = try self.criterion(rest, on: candidate, name: name, value: value)
            } catch {
                // With several candidates, one that lacks the parameter is simply not a target.
                guard error.isIgnorableWhenLenient, candidates.count > 1 else { throw error }
                continue
            }
            if let inner, Self.headType(inner) != Self.headType(criterion) {
                throw .invalidChain(
                    name: name, reason: "'\(rest)' has different types on the types '\(code)' can point at; name one with '\(code):Type'"
                )
            }
            inner = inner ?? criterion
            targetTypes.append(candidate)
        }
        guard let inner else {
            throw .invalidChain(name: name, reason: "no type '\(code)' can point at has a search parameter for '\(rest)'")
        }
        return .chain(reference: reference, targetTypes: targetTypes, inner: inner)
    }

    /// `Source:ref:rest` after `_has:`: some `Source` whose reference parameter `ref` points at
    /// the resource meets `rest` (itself a parameter, chain or `_has`).
    private func reverseChain(_ path: Substring, on resourceType: String, name: String, value: String) throws(SearchQueryError) -> SearchCriterion {
        let parts = path.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty else {
            throw .invalidChain(name: name, reason: "'_has' is written _has:Type:reference:parameter")
        }
        let sourceType = String(parts[0])
        guard resourceTypes.contains(sourceType) else {
            throw .invalidChain(name: name, reason: "'\(sourceType)' is not a resource type")
        }
        let reference = try searchableParameter(parts[1], on: sourceType, name: name)
        guard reference.type == .reference, reference.targets.isEmpty || reference.targets.contains(resourceType) else {
            throw .invalidChain(name: name, reason: "'\(parts[1])' of \(sourceType) is not a reference that can point at \(resourceType)")
        }
        let inner = try criterion(parts[2], on: sourceType, name: name, value: value)
        return .reverseChain(sourceType: sourceType, reference: reference, inner: inner)
    }

    /// The parameter `code` of `resourceType`, when it exists and Vesta can evaluate it.
    private func searchableParameter(_ code: Substring, on resourceType: String, name: String) throws(SearchQueryError) -> SearchParameter {
        guard let parameter = registry.parameter(String(code), for: resourceType) else {
            throw .unknownParameter(name: String(code), resourceType: resourceType)
        }
        guard parameter.expression != nil, parameter.type != .special else { throw .unsupportedParameter(name: name) }
        return parameter
    }

    /// The modifier `text` on `parameter` (anything but `:missing`).
    private func modifier(_ text: String, for parameter: SearchParameter, name: String) throws(SearchQueryError) -> SearchModifier {
        if parameter.type == .token, Self.terminologyModifiers.contains(text), parameter.modifiers.contains(text) {
            throw .needsTerminologyService(name: name, modifier: text)
        }
        if let modifier = Self.namedModifiers[text], parameter.modifiers.contains(text) {
            return modifier
        }
        if parameter.type == .reference, parameter.modifiers.contains("type"), resourceTypes.contains(text),
           parameter.targets.isEmpty || parameter.targets.contains(text) {
            return .type(text)
        }
        throw .unknownModifier(name: name, modifier: text)
    }

    /// `code:modifier` → (`code`, `modifier`); the modifier is nil without a colon.
    private static func splitModifier(_ name: Substring) -> (code: Substring, modifier: String?) {
        guard let colon = name.firstIndex(of: ":") else { return (name, nil) }
        return (name[..<colon], String(name[name.index(after: colon)...]))
    }

    /// The type of the parameter a criterion tests first, to tell apart same-named parameters
    /// of different types on the targets of a chain; nil for `_has`.
    private static func headType(_ criterion: SearchCriterion) -> SearchParameterType? {
        switch criterion {
        case .match(let match): match.parameter.type
        case .missing(let parameter, _): parameter.type
        case .chain(let reference, _, _): reference.type
        case .reverseChain, .compartment: nil
        }
    }
}
