import DeviceMapping
import FHIRCore
import Foundation

/// A JSON object member as `ObjectReader.take` returns it: its own pointer and its value.
typealias Member = (pointer: JSONPointer, value: JSONValue)

/// Collects located errors while a mapping is parsed. Positions come from DeviceMapping's
/// `JSONLocator`, and objects are read with its `ObjectReader`, so both mappings bind members
/// and locate errors alike.
final class MappingContext {
    private let locator: JSONLocator
    private(set) var errors: [FHIRMappingError] = []

    init(locator: JSONLocator) { self.locator = locator }

    func error(_ kind: FHIRMappingError.Kind, at pointer: JSONPointer) -> FHIRMappingError {
        FHIRMappingError(kind: kind, location: locator.location(of: pointer), pointer: pointer.text)
    }

    func error(_ kind: FHIRMappingError.Kind, atKeyOf pointer: JSONPointer) -> FHIRMappingError {
        FHIRMappingError(kind: kind, location: locator.keyLocation(of: pointer), pointer: pointer.text)
    }

    func report(_ kind: FHIRMappingError.Kind, at pointer: JSONPointer) { errors.append(error(kind, at: pointer)) }

    func report(_ found: [FHIRMappingError]) { errors += found }

    /// Reports `reader`'s unknown members and members given twice in different case; call after every `take`.
    func reportMemberErrors(of reader: ObjectReader) {
        report(reader.memberErrors(
            unknown: { error(.unknownProperty($0), atKeyOf: $1) },
            duplicate: { error(.duplicateProperty($0), atKeyOf: $1) }))
    }

    /// Reads an object's members with `body`, then reports its unknown/duplicate members.
    func object<T>(_ value: JSONValue, at pointer: JSONPointer, _ body: (inout ObjectReader) -> T?) -> T? {
        guard case .object(let object) = value else {
            report(.expectedObject, at: pointer)
            return nil
        }
        var reader = ObjectReader(object, at: pointer)
        let result = body(&reader)
        reportMemberErrors(of: reader)
        return result
    }

    /// An optional string member; a non-string is reported.
    func string(_ member: Member?, _ name: String) -> String? {
        guard let member else { return nil }
        guard case .string(let text) = member.value else {
            report(.wrongType(property: name, expected: "a string"), at: member.pointer)
            return nil
        }
        return text
    }

    /// A required non-blank string member of the object at `owner`.
    func requiredString(_ member: Member?, _ name: String, owner: JSONPointer) -> String? {
        guard let member else {
            report(.missingProperty(name), at: owner)
            return nil
        }
        guard let text = string(member, name) else { return nil }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            report(.invalidValue(property: name, reason: "must not be empty"), at: member.pointer)
            return nil
        }
        return text
    }

    /// The elements of an array member with their pointers; a non-array is reported.
    func array(_ member: Member?, _ name: String) -> [Member]? {
        guard let member else { return nil }
        guard case .array(let items) = member.value else {
            report(.expectedArray(property: name), at: member.pointer)
            return nil
        }
        return items.enumerated().map { (member.pointer.appending($0.offset), $0.element) }
    }
}
