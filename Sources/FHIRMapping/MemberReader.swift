import FHIRCore
import Foundation

/// Reads one JSON object of a FHIR mapping as Json.NET binds it: names match case-insensitively,
/// and members never asked for are reported as unknown.
struct MemberReader {
    let pointer: String
    private let members: [(key: String, value: JSONValue)]
    private var consumed: Set<String> = []

    init(_ object: JSONObject, at pointer: String) {
        self.pointer = pointer
        members = object.members
    }

    /// The member called `name` (any case) with its pointer; `null` counts as absent.
    mutating func take(_ name: String) -> (pointer: String, value: JSONValue)? {
        let lowered = name.lowercased()
        consumed.insert(lowered)
        guard let member = members.first(where: { $0.key.lowercased() == lowered }), member.value != .null else { return nil }
        return (pointer + "/" + SourcePositions.escape(member.key), member.value)
    }

    /// Unknown members and members given twice in different case; call after every `take`.
    func memberErrors(_ context: MappingContext) -> [FHIRMappingError] {
        var seen: Set<String> = []
        var errors: [FHIRMappingError] = []
        for member in members {
            let lowered = member.key.lowercased()
            let memberPointer = pointer + "/" + SourcePositions.escape(member.key)
            if !consumed.contains(lowered) {
                errors.append(context.error(.unknownProperty(member.key), atKeyOf: memberPointer))
            } else if !seen.insert(lowered).inserted {
                errors.append(context.error(.duplicateProperty(member.key), atKeyOf: memberPointer))
            }
        }
        return errors
    }
}

/// Collects located errors while a mapping is parsed.
final class MappingContext {
    private let positions: SourcePositions
    private(set) var errors: [FHIRMappingError] = []

    init(positions: SourcePositions) { self.positions = positions }

    func error(_ kind: FHIRMappingError.Kind, at pointer: String) -> FHIRMappingError {
        FHIRMappingError(kind: kind, location: positions.location(of: pointer), pointer: pointer)
    }

    func error(_ kind: FHIRMappingError.Kind, atKeyOf pointer: String) -> FHIRMappingError {
        FHIRMappingError(kind: kind, location: positions.keyLocation(of: pointer), pointer: pointer)
    }

    func report(_ kind: FHIRMappingError.Kind, at pointer: String) { errors.append(error(kind, at: pointer)) }

    func report(_ found: [FHIRMappingError]) { errors += found }

    /// Reads an object's members with `body`, then reports its unknown/duplicate members.
    func object<T>(_ value: JSONValue, at pointer: String, _ body: (inout MemberReader) -> T?) -> T? {
        guard case .object(let object) = value else {
            report(.expectedObject, at: pointer)
            return nil
        }
        var reader = MemberReader(object, at: pointer)
        let result = body(&reader)
        report(reader.memberErrors(self))
        return result
    }

    /// An optional string member; a non-string is reported.
    func string(_ member: (pointer: String, value: JSONValue)?, _ name: String) -> String? {
        guard let member else { return nil }
        guard case .string(let text) = member.value else {
            report(.wrongType(property: name, expected: "a string"), at: member.pointer)
            return nil
        }
        return text
    }

    /// A required non-blank string member of the object at `owner`.
    func requiredString(_ member: (pointer: String, value: JSONValue)?, _ name: String, owner: String) -> String? {
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
    func array(_ member: (pointer: String, value: JSONValue)?, _ name: String) -> [(pointer: String, value: JSONValue)]? {
        guard let member else { return nil }
        guard case .array(let items) = member.value else {
            report(.expectedArray(property: name), at: member.pointer)
            return nil
        }
        return items.enumerated().map { (member.pointer + "/" + String($0.offset), $0.element) }
    }
}
