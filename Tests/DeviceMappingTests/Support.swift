import DeviceMapping
import FHIRCore
import Testing

/// Parses a mapping that the test expects to be valid.
func validMapping(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> DeviceMapping {
    do throws(DeviceMappingErrors) {
        return try DeviceMapping.parse(text)
    } catch {
        Issue.record("unexpected mapping errors: \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The errors of a mapping that the test expects to be invalid (empty if it parsed).
func mappingErrors(_ text: String) -> [DeviceMappingError] {
    do throws(DeviceMappingErrors) {
        _ = try DeviceMapping.parse(text)
        return []
    } catch {
        return error.errors
    }
}

/// A one-template collection around `body`, the JSON of a template's `template` object.
func collection(_ type: String, _ body: String) -> String {
    """
    {"templateType": "CollectionContent", "template": [{"templateType": "\(type)", "template": \(body)}]}
    """
}

func json(_ text: String) throws -> JSONValue { try JSONReader.parse(text) }

/// `(name, value)` pairs of a measurement's properties.
func pairs(_ measurement: Measurement) -> [String] {
    measurement.properties.map { "\($0.name)=\($0.value)" }
}

/// The normalization error a message raises, or `nil` if it normalized.
func normalizationError(_ mapping: DeviceMapping, _ event: DeviceEvent) -> NormalizationError? {
    do throws(NormalizationError) {
        _ = try mapping.normalize(event)
        return nil
    } catch {
        return error
    }
}
