import FHIRCore

/// One pass over a resource: walks the JSON alongside the definitions and collects issues.
struct ValidationWalk {
    /// Object nesting the walk follows; deeper input is reported, not descended into.
    static let maximumDepth = JSONReader.maximumDepth

    let definitions: FHIRDefinitions
    private(set) var issues: [OperationOutcome.Issue] = []

    init(definitions: FHIRDefinitions) {
        self.definitions = definitions
    }

    mutating func report(_ code: OperationOutcome.IssueType, _ diagnostics: String, at location: String?) {
        issues.append(OperationOutcome.Issue(
            severity: .error, code: code, diagnostics: diagnostics, expression: location.map { [$0] } ?? []
        ))
    }

    /// Validates `value` as a resource of its own `resourceType`. `location` is the element
    /// that holds it, or nil for the top level (where the resource type starts locations).
    mutating func validateResource(_ value: JSONValue, at location: String?, depth: Int) {
        guard case .object(let object) = value else {
            report(.structure, "A resource must be a JSON object, found \(value.kindName)", at: location)
            return
        }
        let typeLocation = location.map { "\($0).resourceType" } ?? "resourceType"
        guard let typeValue = object["resourceType"] else {
            report(.structure, "The resource has no 'resourceType'", at: typeLocation)
            return
        }
        guard case .string(let type) = typeValue else {
            report(.structure, "'resourceType' must be a string, found \(typeValue.kindName)", at: typeLocation)
            return
        }
        guard definitions.isResourceType(type) else {
            report(.invalid, "'resourceType' \(Self.quoted(type)) is not a concrete FHIR R4 resource type", at: typeLocation)
            return
        }
        validateObject(object, against: type, at: location ?? type, depth: depth, isResource: true)
    }

    /// Validates the members of `object` as children of `parentPath`, then checks that the
    /// children with `min >= 1` are present.
    mutating func validateObject(
        _ object: JSONObject, against parentPath: String, at location: String, depth: Int, isResource: Bool = false
    ) {
        guard depth <= Self.maximumDepth else {
            report(.structure, "Elements are nested deeper than \(Self.maximumDepth) levels", at: location)
            return
        }
        let children = definitions.children(of: parentPath)
        var present = Set<String>()
        var choiceVariants: [String: String] = [:]
        for (key, value) in object {
            if key == "fhir_comments" || (isResource && key == "resourceType") { continue }
            if key == "resourceType" {
                report(.structure, "'resourceType' is only allowed at the root of a resource", at: "\(location).resourceType")
                continue
            }
            let isPrimitiveExtension = key.hasPrefix("_")
            let name = isPrimitiveExtension ? String(key.dropFirst()) : key
            switch children.lookup(name) {
            case .unknown:
                report(.structure, "Unknown element '\(key)'", at: "\(location).\(key)")
            case .unknownChoiceVariant(let element):
                report(.structure, "Unknown element '\(key)': not a type allowed for '\(element.name)'", at: "\(location).\(key)")
            case .element(let child):
                present.insert(child.element.path)
                if child.element.isChoice {
                    if let first = choiceVariants[child.element.path], first != name {
                        report(.structure, "Only one type of '\(child.element.name)' is allowed, found '\(first)' and '\(name)'",
                               at: "\(location).\(name)")
                    } else {
                        choiceVariants[child.element.path] = name
                    }
                }
                if isPrimitiveExtension {
                    validatePrimitiveExtension(value, of: child, name: name, primitiveValue: object[name],
                                               at: "\(location).\(name)", depth: depth)
                } else {
                    validateMember(value, as: child, name: name, extensions: object["_\(name)"],
                                   at: "\(location).\(name)", depth: depth)
                }
            }
        }
        for element in children.required where !present.contains(element.path) {
            report(.required, "Missing required element '\(element.name)' (minimum cardinality \(element.min))",
                   at: "\(location).\(element.baseName)")
        }
    }

    /// Validates one member: array or single value as the cardinality demands, then each value.
    /// `extensions` is the `_name` sibling, which may stand in for `null` items of primitive arrays.
    private mutating func validateMember(
        _ value: JSONValue, as child: ChildElement, name: String, extensions: JSONValue?, at location: String, depth: Int
    ) {
        switch value {
        case .array(let items):
            if !child.element.isRepeating {
                report(.structure, "Element '\(name)' must be a single value, not an array", at: location)
            }
            if items.isEmpty {
                report(.structure, "Element '\(name)' must not be an empty array", at: location)
            }
            let itemExtensions = extensions?.arrayValue ?? []
            for (index, item) in items.enumerated() {
                let itemLocation = "\(location)[\(index)]"
                guard item != .null else {
                    let hasExtension = index < itemExtensions.count && itemExtensions[index].objectValue != nil
                    if !(child.isPrimitive && hasExtension) {
                        report(.structure, "Item \(index) of '\(name)' is null without a matching '_\(name)' item",
                               at: itemLocation)
                    }
                    continue
                }
                validateValue(item, as: child, name: name, at: itemLocation, depth: depth)
            }
        case .null:
            report(.structure, "Element '\(name)' must not be null", at: location)
        default:
            if child.element.isRepeating {
                report(.structure, "Element '\(name)' must be an array", at: location)
            }
            validateValue(value, as: child, name: name, at: location, depth: depth)
        }
    }

    /// Validates one (non-null) value of an element by its content.
    private mutating func validateValue(_ value: JSONValue, as child: ChildElement, name: String, at location: String, depth: Int) {
        switch child.content {
        case .primitive(let type):
            if validatePrimitive(value, of: type, name: name, at: location), let binding = child.binding {
                checkCode(value, of: name, against: binding, at: location)
            }
        case .complex(let parentPath):
            guard case .object(let object) = value else {
                report(.structure, "Element '\(name)' must be a JSON object, found \(value.kindName)", at: location)
                return
            }
            validateObject(object, against: parentPath, at: location, depth: depth + 1)
            if let binding = child.binding {
                checkCodings(object, of: name, against: binding, at: location)
            }
        case .resource:
            validateResource(value, at: location, depth: depth + 1)
        }
    }

    /// `text` in quotes for a message, shortened when long.
    static func quoted(_ text: String) -> String {
        let limit = 100
        return text.count <= limit ? "'\(text)'" : "'\(text.prefix(limit))…'"
    }
}
