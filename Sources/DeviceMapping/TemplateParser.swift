import FHIRCore

/// Reads and compiles the body of one device template, strictly (SPEC §1.2, §1.3): unknown and
/// missing members, wrong types and expressions that do not compile are all errors.
struct TemplateParser {
    let type: DeviceTemplateType
    private var fields: ObjectReader
    private let context: ParseContext
    private(set) var errors: [DeviceMappingError] = []
    /// The language of bare-string expressions (`CalculatedContent` may change it).
    private var defaultLanguage = ExpressionLanguage.jsonPath

    /// The fixed expressions of the IoT templates (SPEC §1.2); user-written ones are ignored.
    private static let iotHubDeviceId = "$.SystemProperties.iothub-connection-device-id"
    private static let iotHubTimestamps = ["$.Properties.iothub-creation-time-utc", "$.SystemProperties.iothub-enqueuedtime"]
    private static let iotCentralDeviceId = "$.deviceId"
    private static let iotCentralTimestamp = "$.enqueuedTime"

    init(type: DeviceTemplateType, fields: ObjectReader, context: ParseContext) {
        self.type = type
        self.fields = fields
        self.context = context
    }

    /// The compiled template, or `nil` when `errors` says why not.
    mutating func parse() -> DeviceTemplate? {
        if type == .calculated { readDefaultLanguage() }
        let typeName = readTypeName()
        let typeMatch = requiredExpression("typeMatchExpression")
        let deviceId: TemplateExpression?
        let timestamps: [TemplateExpression]?
        switch type {
        case .jsonPath, .calculated:
            deviceId = requiredExpression("deviceIdExpression")
            timestamps = requiredExpression("timestampExpression").map { [$0] }
        case .iotJsonPath:
            _ = (fields.take("deviceIdExpression"), fields.take("timestampExpression"))
            deviceId = fixed(Self.iotHubDeviceId)
            timestamps = fixed(Self.iotHubTimestamps)
        case .iotCentralJsonPath:
            _ = (fields.take("deviceIdExpression"), fields.take("timestampExpression"))
            deviceId = fixed(Self.iotCentralDeviceId)
            timestamps = fixed([Self.iotCentralTimestamp])
        }
        let patientId = optionalExpression("patientIdExpression")
        let encounterId = optionalExpression("encounterIdExpression")
        let correlationId = optionalExpression("correlationIdExpression")
        let values = readValues()
        errors += fields.memberErrors(in: context)
        guard errors.isEmpty, let typeName, let typeMatch, let deviceId, let timestamps, let values else { return nil }
        return DeviceTemplate(
            templateType: type, typeName: typeName, typeMatchExpression: typeMatch, deviceIdExpression: deviceId,
            timestampExpressions: timestamps, patientIdExpression: patientId,
            encounterIdExpression: encounterId, correlationIdExpression: correlationId, values: values)
    }

    // MARK: - Fields

    private mutating func readDefaultLanguage() {
        guard let member = fields.take("defaultExpressionLanguage") else { return }
        guard case .string(let name) = member.value else {
            errors.append(context.error(.wrongType(property: "defaultExpressionLanguage", expected: "a string"), at: member.pointer))
            return
        }
        guard let language = ExpressionLanguage(name: name) else {
            errors.append(context.error(.unsupportedLanguage(name), at: member.pointer))
            return
        }
        defaultLanguage = language
    }

    private mutating func readTypeName() -> String? {
        guard let member = fields.take("typeName") else {
            errors.append(context.error(.missingProperty("typeName"), at: fields.pointer))
            return nil
        }
        return nonBlankString(member, property: "typeName")
    }

    private mutating func nonBlankString(_ member: (pointer: JSONPointer, value: JSONValue), property: String) -> String? {
        guard case .string(let text) = member.value else {
            errors.append(context.error(.wrongType(property: property, expected: "a string"), at: member.pointer))
            return nil
        }
        guard !text.allSatisfy(\.isWhitespace) else {
            errors.append(context.error(.invalidValue(property: property, reason: "must not be empty"), at: member.pointer))
            return nil
        }
        return text
    }

    private mutating func readValues() -> [ValueTemplate]? {
        // SPEC §1.2: a missing `values` is taken as empty (MedTech docs; OSS would fail).
        guard let member = fields.take("values") else { return [] }
        guard case .array(let entries) = member.value else {
            errors.append(context.error(.wrongType(property: "values", expected: "an array"), at: member.pointer))
            return nil
        }
        var values: [ValueTemplate] = []
        var failed = false
        for (index, entry) in entries.enumerated() {
            if let value = readValue(entry, at: member.pointer.appending(index)) { values.append(value) } else { failed = true }
        }
        return failed ? nil : values
    }

    private mutating func readValue(_ entry: JSONValue, at pointer: JSONPointer) -> ValueTemplate? {
        guard case .object(let object) = entry else {
            errors.append(context.error(.expectedObject, at: pointer))
            return nil
        }
        var value = ObjectReader(object, at: pointer)
        var name: String?
        if let member = value.take("valueName") {
            name = nonBlankString(member, property: "valueName")
        } else {
            errors.append(context.error(.missingProperty("valueName"), at: pointer))
        }
        var expression: TemplateExpression?
        if let member = value.take("valueExpression") {
            expression = compile(member, property: "valueExpression")
        } else {
            errors.append(context.error(.missingProperty("valueExpression"), at: pointer))
        }
        let required = readRequired(value.take("required"))
        errors += value.memberErrors(in: context)
        guard let name, let expression, let required else { return nil }
        return ValueTemplate(valueName: name, valueExpression: expression, required: required)
    }

    /// `required`: a boolean, or the strings `"true"`/`"false"` (any case) as Json.NET accepts.
    private mutating func readRequired(_ member: (pointer: JSONPointer, value: JSONValue)?) -> Bool? {
        guard let member else { return false }
        switch member.value {
        case .bool(let flag): return flag
        case .string(let text) where text.lowercased() == "true": return true
        case .string(let text) where text.lowercased() == "false": return false
        default:
            errors.append(context.error(.wrongType(property: "required", expected: "a boolean"), at: member.pointer))
            return nil
        }
    }

    // MARK: - Expressions

    private mutating func requiredExpression(_ property: String) -> TemplateExpression? {
        guard let member = fields.take(property) else {
            errors.append(context.error(.missingProperty(property), at: fields.pointer))
            return nil
        }
        return compile(member, property: property)
    }

    /// `nil` when absent, or when invalid (then the error is recorded).
    private mutating func optionalExpression(_ property: String) -> TemplateExpression? {
        fields.take(property).flatMap { compile($0, property: property) }
    }

    /// Compiles the fixed IoT expressions (constants, so no error is expected).
    private mutating func fixed(_ text: String) -> TemplateExpression? {
        compile(text, language: .jsonPath, at: fields.pointer)
    }

    private mutating func fixed(_ texts: [String]) -> [TemplateExpression]? {
        let compiled = texts.compactMap { fixed($0) }
        return compiled.count == texts.count ? compiled : nil
    }

    /// Compiles a bare string (default language) or, in `CalculatedContent`, an object
    /// `{ "value": …, "language": … }`.
    private mutating func compile(_ member: (pointer: JSONPointer, value: JSONValue), property: String) -> TemplateExpression? {
        switch member.value {
        case .string:
            guard let text = nonBlankString(member, property: property) else { return nil }
            return compile(text, language: defaultLanguage, at: member.pointer)
        case .object(let object) where type == .calculated:
            var reader = ObjectReader(object, at: member.pointer)
            let value = reader.take("value")
            let languageMember = reader.take("language")
            errors += reader.memberErrors(in: context)
            var language = defaultLanguage
            if let languageMember {
                guard case .string(let name) = languageMember.value else {
                    errors.append(context.error(.wrongType(property: "language", expected: "a string"), at: languageMember.pointer))
                    return nil
                }
                guard let named = ExpressionLanguage(name: name) else {
                    errors.append(context.error(.unsupportedLanguage(name), at: languageMember.pointer))
                    return nil
                }
                language = named
            }
            guard let value else {
                errors.append(context.error(.missingProperty("value"), at: member.pointer))
                return nil
            }
            guard let text = nonBlankString(value, property: "value") else { return nil }
            return compile(text, language: language, at: value.pointer)
        default:
            let expected = type == .calculated ? "a string or an object with value and language" : "a JSONPath string"
            errors.append(context.error(.wrongType(property: property, expected: expected), at: member.pointer))
            return nil
        }
    }

    private mutating func compile(_ text: String, language: ExpressionLanguage, at pointer: JSONPointer) -> TemplateExpression? {
        do throws(ExpressionCompileError) {
            return try TemplateExpression(text, language: language)
        } catch {
            errors.append(context.error(.invalidExpression(language: language, expression: text, reason: error.reason), at: pointer))
            return nil
        }
    }
}
