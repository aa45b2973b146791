import DeviceMapping
import FHIRCore

/// Reads a `CollectionFhir` document into templates, collecting every error (SPEC §3.1).
enum FHIRMappingParser {
    static func parse(_ bytes: [UInt8]) throws(FHIRMappingErrors) -> [CodeValueFHIRTemplate] {
        let root: JSONValue
        do throws(JSONSyntaxError) {
            root = try JSONReader.parse(bytes)
        } catch {
            let suffix = " at line \(error.line), column \(error.column)"
            let reason = error.description.hasSuffix(suffix) ? String(error.description.dropLast(suffix.count)) : error.description
            throw FHIRMappingErrors([FHIRMappingError(
                kind: .invalidJSON(reason), location: TextLocation(offset: error.offset, in: bytes), pointer: "")])
        }
        let context = MappingContext(locator: JSONLocator(bytes: bytes))
        let located = collection(root, context) ?? []
        var seen: Set<String> = []
        for (pointer, template) in located where !seen.insert(template.typeName.lowercased()).inserted {
            context.report(.duplicateTypeName(template.typeName), at: pointer.appending("template").appending("typeName"))
        }
        guard context.errors.isEmpty else {
            throw FHIRMappingErrors(context.errors.sorted {
                ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column)
            })
        }
        return located.map(\.template)
    }

    private static func collection(_ root: JSONValue, _ context: MappingContext) -> [(pointer: JSONPointer, template: CodeValueFHIRTemplate)]? {
        guard case .object(let object) = root else {
            context.report(.notACollection(actual: nil), at: .root)
            return nil
        }
        var reader = ObjectReader(object, at: .root)
        let type = reader.take("templateType")
        guard let name = type?.value.stringValue, ["collectionfhir", "collectionfhirtemplate"].contains(name.lowercased()) else {
            context.report(.notACollection(actual: type.map { $0.value.stringValue ?? JSONWriter.string($0.value) }), at: type?.pointer ?? .root)
            return nil
        }
        let list = reader.take("template")
        guard let list else {
            context.report(.missingProperty("template"), at: .root)
            return nil
        }
        var templates: [(pointer: JSONPointer, template: CodeValueFHIRTemplate)] = []
        for entry in context.array(list, "template") ?? [] {
            if let template = member(entry.value, at: entry.pointer, context) { templates.append((entry.pointer, template)) }
        }
        context.reportMemberErrors(of: reader)
        return templates
    }

    private static func member(_ entry: JSONValue, at pointer: JSONPointer, _ context: MappingContext) -> CodeValueFHIRTemplate? {
        context.object(entry, at: pointer) { reader in
            let type = reader.take("templateType")
            let body = reader.take("template")
            let typeName = type?.value.stringValue
            guard let typeName, ["codevaluefhir", "codevaluefhirtemplate"].contains(typeName.lowercased()) else {
                context.report(.notCodeValueFhir(actual: type.map { $0.value.stringValue ?? JSONWriter.string($0.value) }), at: type?.pointer ?? pointer)
                return nil
            }
            guard let body else {
                context.report(.missingProperty("template"), at: pointer)
                return nil
            }
            return context.object(body.value, at: body.pointer) { fields in CodeValueParser.parse(&fields, context) }
        }
    }
}
