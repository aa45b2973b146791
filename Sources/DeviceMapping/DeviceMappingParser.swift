import FHIRCore

/// Reads a `CollectionContent` document into compiled templates, collecting every error
/// (SPEC §1.1).
enum DeviceMappingParser {
    static func parse(_ bytes: [UInt8]) throws(DeviceMappingErrors) -> DeviceMapping {
        let root: JSONValue
        do throws(JSONSyntaxError) {
            root = try JSONReader.parse(bytes)
        } catch {
            let suffix = " at line \(error.line), column \(error.column)"
            let reason = error.description.hasSuffix(suffix) ? String(error.description.dropLast(suffix.count)) : error.description
            throw DeviceMappingErrors([DeviceMappingError(
                kind: .invalidJSON(reason), location: TextLocation(offset: error.offset, in: bytes), pointer: .root)])
        }
        let context = ParseContext(locator: JSONLocator(bytes: bytes))
        var errors: [DeviceMappingError] = []
        let templates = collection(root, context: context, errors: &errors)
        guard errors.isEmpty else {
            throw DeviceMappingErrors(errors.sorted {
                ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column)
            })
        }
        return DeviceMapping(templates: templates)
    }

    private static func collection(
        _ root: JSONValue, context: ParseContext, errors: inout [DeviceMappingError]
    ) -> [DeviceTemplate] {
        guard case .object(let object) = root else {
            errors.append(context.error(.notACollection(actual: nil), at: .root))
            return []
        }
        // Other root members are ignored, as the OSS collection factory ignores them.
        var reader = ObjectReader(object, at: .root)
        let type = reader.take("templateType")
        let typeName = type?.value.stringValue
        guard let typeName, ["collectioncontent", "collectioncontenttemplate"].contains(typeName.lowercased()) else {
            let actual = typeName ?? type.map { JSONWriter.string($0.value) }
            errors.append(context.error(.notACollection(actual: actual), at: type?.pointer ?? .root))
            return []
        }
        guard let list = reader.take("template"), case .array(let entries) = list.value else {
            errors.append(context.error(.expectedArray(property: "template"), at: reader.take("template")?.pointer ?? .root))
            return []
        }
        var templates: [DeviceTemplate] = []
        for (index, entry) in entries.enumerated() {
            if let template = member(entry, at: list.pointer.appending(index), context: context, errors: &errors) {
                templates.append(template)
            }
        }
        return templates
    }

    /// One `{ "templateType": …, "template": { … } }` entry of the collection.
    private static func member(
        _ entry: JSONValue, at pointer: JSONPointer, context: ParseContext, errors: inout [DeviceMappingError]
    ) -> DeviceTemplate? {
        guard case .object(let object) = entry else {
            errors.append(context.error(.expectedObject, at: pointer))
            return nil
        }
        var reader = ObjectReader(object, at: pointer)
        let typeMember = reader.take("templateType")
        let body = reader.take("template")
        errors += reader.memberErrors(in: context)
        guard let typeMember else {
            errors.append(context.error(.missingProperty("templateType"), at: pointer))
            return nil
        }
        guard case .string(let typeName) = typeMember.value else {
            errors.append(context.error(.wrongType(property: "templateType", expected: "a string"), at: typeMember.pointer))
            return nil
        }
        guard let type = DeviceTemplateType(name: typeName) else {
            errors.append(context.error(.unknownTemplateType(typeName), at: typeMember.pointer))
            return nil
        }
        guard let body else {
            errors.append(context.error(.missingProperty("template"), at: pointer))
            return nil
        }
        guard case .object(let fields) = body.value else {
            errors.append(context.error(.expectedObject, at: body.pointer))
            return nil
        }
        var parser = TemplateParser(type: type, fields: ObjectReader(fields, at: body.pointer), context: context)
        let template = parser.parse()
        errors += parser.errors
        return template
    }
}
