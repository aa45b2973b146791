import DeviceMapping
import FHIRCore
import Foundation

/// Reads the body of one `CodeValueFhir` template and its value types (SPEC §3.1).
enum CodeValueParser {
    static func parse(_ fields: inout ObjectReader, _ context: MappingContext) -> CodeValueFHIRTemplate? {
        let owner = fields.pointer
        let typeMember = fields.take("typeName")
        var typeName: String?
        if let typeMember {
            typeName = context.string(typeMember, "typeName")
            if typeName?.trimmingCharacters(in: .whitespaces).isEmpty == true {
                context.report(.emptyTypeName, at: typeMember.pointer)
                typeName = nil
            }
        } else {
            context.report(.missingProperty("typeName"), at: owner)
        }
        let interval = periodInterval(fields.take("periodInterval"), context)
        let codesMember = fields.take("codes")
        if codesMember == nil { context.report(.missingProperty("codes"), at: owner) }
        let codes = self.codes(codesMember, context)
        let category = (context.array(fields.take("category"), "category") ?? []).compactMap { item in
            context.object(item.value, at: item.pointer) { reader in
                let text = context.string(reader.take("text"), "text")
                return FHIRCategoryTemplate(text: text, codes: self.codes(reader.take("codes"), context) ?? [])
            }
        }
        let value = fields.take("value").flatMap { valueTemplate($0.value, at: $0.pointer, context) }
        let components = (context.array(fields.take("components"), "components") ?? []).compactMap { item in
            context.object(item.value, at: item.pointer) { reader -> FHIRComponentTemplate? in
                let codesMember = reader.take("codes")
                let valueMember = reader.take("value")
                if codesMember == nil { context.report(.missingProperty("codes"), at: item.pointer) }
                if valueMember == nil { context.report(.missingProperty("value"), at: item.pointer) }
                let codes = self.codes(codesMember, context)
                let value = valueMember.flatMap { valueTemplate($0.value, at: $0.pointer, context) }
                guard let codes, let value else { return nil }
                return FHIRComponentTemplate(codes: codes, value: value)
            }
        }
        guard let typeName, let interval, let codes else { return nil }
        return CodeValueFHIRTemplate(
            typeName: typeName, periodInterval: interval, codes: codes, category: category, value: value, components: components)
    }

    /// `periodInterval`: absent means Single; a number or the OSS enum name.
    private static func periodInterval(_ member: Member?, _ context: MappingContext) -> PeriodInterval? {
        guard let member else { return .single }
        switch member.value {
        case .number(let lexeme):
            if let number = Int(lexeme), let interval = PeriodInterval(rawValue: number) { return interval }
            context.report(.unsupportedPeriodInterval(lexeme), at: member.pointer)
        case .string(let name):
            if let interval = PeriodInterval.allCases.first(where: { $0.enumName.lowercased() == name.lowercased() }) {
                return interval
            }
            context.report(.unsupportedPeriodInterval(name), at: member.pointer)
        default:
            context.report(.wrongType(property: "periodInterval", expected: "a number"), at: member.pointer)
        }
        return nil
    }

    /// A `codes` array of `{code, system, display}`; `nil` when absent or invalid.
    private static func codes(_ member: Member?, _ context: MappingContext) -> [FHIRCodeTemplate]? {
        guard let items = context.array(member, "codes") else { return nil }
        let codes = items.compactMap { item in
            context.object(item.value, at: item.pointer) { reader -> FHIRCodeTemplate? in
                let code = context.requiredString(reader.take("code"), "code", owner: item.pointer)
                let system = context.string(reader.take("system"), "system")
                let display = context.string(reader.take("display"), "display")
                return code.map { FHIRCodeTemplate(code: $0, system: system, display: display) }
            }
        }
        return codes.count == items.count ? codes : nil
    }

    /// A value-type object, discriminated by `valueType` (SPEC §3.1).
    private static func valueTemplate(_ value: JSONValue, at pointer: JSONPointer, _ context: MappingContext) -> FHIRValueTemplate? {
        context.object(value, at: pointer) { reader -> FHIRValueTemplate? in
            let typeMember = reader.take("valueType")
            let name = context.requiredString(reader.take("valueName"), "valueName", owner: pointer)
            guard let type = context.requiredString(typeMember, "valueType", owner: pointer), let typeMember else {
                for other in ["unit", "defaultPeriod", "code", "system", "text", "codes"] { _ = reader.take(other) }
                return nil
            }
            switch type.lowercased() {
            case "sampleddata":
                let unit = context.string(reader.take("unit"), "unit")
                let period = defaultPeriod(reader.take("defaultPeriod"), owner: pointer, context)
                guard let name, let period else { return nil }
                return .sampledData(valueName: name, defaultPeriod: period.lexeme, periodTicks: period.ticks, unit: unit)
            case "quantity":
                let unit = context.string(reader.take("unit"), "unit")
                let code = context.string(reader.take("code"), "code")
                let system = context.string(reader.take("system"), "system")
                return name.map { .quantity(valueName: $0, unit: unit, code: code, system: system) }
            case "string":
                return name.map { .string(valueName: $0) }
            case "codeableconcept":
                let text = context.string(reader.take("text"), "text")
                let codes = self.codes(reader.take("codes"), context)
                guard let name else { return nil }
                return .codeableConcept(valueName: name, text: text, codes: codes ?? [])
            default:
                for other in ["unit", "defaultPeriod", "code", "system", "text", "codes"] { _ = reader.take(other) }
                context.report(.unknownValueType(type), at: typeMember.pointer)
                return nil
            }
        }
    }

    /// `defaultPeriod`: a positive number of milliseconds, whole in 100 ns ticks.
    private static func defaultPeriod(
        _ member: Member?, owner: JSONPointer, _ context: MappingContext
    ) -> (lexeme: String, ticks: Int64)? {
        guard let member else {
            context.report(.missingProperty("defaultPeriod"), at: owner)
            return nil
        }
        guard case .number(let lexeme) = member.value else {
            context.report(.wrongType(property: "defaultPeriod", expected: "a number"), at: member.pointer)
            return nil
        }
        guard let ticks = DecimalText.ticks(milliseconds: lexeme), ticks > 0 else {
            context.report(.invalidValue(property: "defaultPeriod", reason: "must be a positive number of milliseconds, a whole number of 100 ns ticks"), at: member.pointer)
            return nil
        }
        return (lexeme, ticks)
    }
}
