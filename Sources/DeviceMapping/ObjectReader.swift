import FHIRCore

/// Reads the members of one template JSON object the way Json.NET binds them: names match
/// case-insensitively, and whatever the caller never asks for is reported as unknown.
/// Public so that other mapping modules (FHIRMapping) read their objects the same way.
public struct ObjectReader {
    /// Where the object being read is in the document.
    public let pointer: JSONPointer
    private let members: [(key: String, value: JSONValue)]
    private var consumed: Set<String> = []

    /// A reader of `object`, which is at `pointer`; no member has been taken yet.
    public init(_ object: JSONObject, at pointer: JSONPointer) {
        self.pointer = pointer
        members = object.members
    }

    /// The member called `name` (any case) as written: its own pointer and its value. A JSON
    /// `null` counts as absent. Marks every spelling of the name as known.
    public mutating func take(_ name: String) -> (pointer: JSONPointer, value: JSONValue)? {
        let lowered = name.lowercased()
        consumed.insert(lowered)
        guard let member = members.first(where: { $0.key.lowercased() == lowered }), member.value != .null else {
            return nil
        }
        return (pointer.appending(member.key), member.value)
    }

    /// Problems with the members themselves: unknown names, and names given twice in different
    /// case. Call after every known member has been taken.
    func memberErrors(in context: ParseContext) -> [DeviceMappingError] {
        memberErrors(
            unknown: { context.error(.unknownProperty($0), atKeyOf: $1) },
            duplicate: { context.error(.duplicateProperty($0), atKeyOf: $1) })
    }

    /// Problems with the members themselves, in document order, as the caller's error type:
    /// `unknown(name, pointer)` for a member never taken, `duplicate(name, pointer)` for a later
    /// spelling of a name already seen in another case. Call after every known member has been taken.
    public func memberErrors<Failure>(
        unknown: (_ name: String, _ pointer: JSONPointer) -> Failure,
        duplicate: (_ name: String, _ pointer: JSONPointer) -> Failure
    ) -> [Failure] {
        var seen: Set<String> = []
        var errors: [Failure] = []
        for member in members {
            let lowered = member.key.lowercased()
            let memberPointer = pointer.appending(member.key)
            if !consumed.contains(lowered) {
                errors.append(unknown(member.key, memberPointer))
            } else if !seen.insert(lowered).inserted {
                errors.append(duplicate(member.key, memberPointer))
            }
        }
        return errors
    }
}

/// What every parsing step needs: where elements are, to locate its errors.
struct ParseContext {
    let locator: JSONLocator

    func error(_ kind: DeviceMappingError.Kind, at pointer: JSONPointer) -> DeviceMappingError {
        DeviceMappingError(kind: kind, location: locator.location(of: pointer), pointer: pointer)
    }

    func error(_ kind: DeviceMappingError.Kind, atKeyOf pointer: JSONPointer) -> DeviceMappingError {
        DeviceMappingError(kind: kind, location: locator.keyLocation(of: pointer), pointer: pointer)
    }
}
