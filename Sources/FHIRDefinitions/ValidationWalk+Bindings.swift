import FHIRCore

extension ValidationWalk {
    /// A `code` value must be one of the codes of its required value set.
    mutating func checkCode(_ value: JSONValue, of name: String, against binding: RequiredBinding, at location: String) {
        guard binding.target == .code, case .string(let code) = value, !binding.codes.codes.contains(code) else { return }
        report(.codeInvalid,
               "Element '\(name)': code \(Self.quoted(code)) is not in the required value set \(binding.valueSet)",
               at: location)
    }

    /// A `Coding` (or each coding of a `CodeableConcept`) from a code system of the required
    /// value set must use one of that system's codes there. Codings from other systems pass.
    mutating func checkCodings(_ object: JSONObject, of name: String, against binding: RequiredBinding, at location: String) {
        switch binding.target {
        case .code:
            return
        case .coding:
            checkCoding(object, of: name, against: binding, at: location)
        case .codeableConcept:
            guard case .array(let codings)? = object["coding"] else { return }
            for (index, coding) in codings.enumerated() {
                guard case .object(let codingObject) = coding else { continue }
                checkCoding(codingObject, of: name, against: binding, at: "\(location).coding[\(index)]")
            }
        }
    }

    private mutating func checkCoding(_ coding: JSONObject, of name: String, against binding: RequiredBinding, at location: String) {
        guard case .string(let system)? = coding["system"], let codes = binding.codes.codesBySystem[system],
              case .string(let code)? = coding["code"], !codes.contains(code) else { return }
        report(.codeInvalid,
               "Element '\(name)': code \(Self.quoted(code)) of system \(system) is not in the required value set \(binding.valueSet)",
               at: "\(location).code")
    }
}
