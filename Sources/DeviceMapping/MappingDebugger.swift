import FHIRCore

/// MedTech's mapping debugger without the portal (SPEC §6): validate a device mapping and show
/// what it makes of one test message. Pure: no identity resolution, nothing stored.
public enum MappingDebugger {
    /// Validates `deviceMapping` and, when it is valid, normalizes `message`. A message shaped
    /// like an envelope (`{"Body": …, "Properties": …, "SystemProperties": …}`) is used as one;
    /// any other message becomes the `Body` of an envelope without properties.
    public static func run(deviceMapping: [UInt8], message: [UInt8]) -> DebugResult {
        let mapping: DeviceMapping
        do throws(DeviceMappingErrors) {
            mapping = try DeviceMapping.parse(deviceMapping)
        } catch {
            return .invalidMapping(error.errors)
        }
        let parsed: JSONValue
        do throws(JSONSyntaxError) {
            parsed = try JSONReader.parse(message)
        } catch {
            return .invalidMessage(reason: error.description, location: TextLocation(offset: error.offset, in: message))
        }
        let event = DeviceEvent(envelope: parsed) ?? DeviceEvent(body: parsed)
        let trace = mapping.trace(event)
        let templates = trace.matchCounts.enumerated().compactMap { index, count -> DebugRun.MatchedTemplate? in
            guard count > 0 else { return nil }
            let template = mapping.templates[index]
            return DebugRun.MatchedTemplate(
                index: index, templateType: template.templateType, typeName: template.typeName, matchCount: count,
                measurements: trace.produced.filter { $0.templateIndex == index }.map(\.measurement))
        }
        return .evaluated(DebugRun(templates: templates, error: trace.failure, envelope: event.envelope))
    }

    /// `run` with the mapping given as a parsed JSON value; error positions then refer to its
    /// pretty-printed form (`JSONWriter`, `.pretty`).
    public static func run(deviceMapping: JSONValue, message: [UInt8]) -> DebugResult {
        run(deviceMapping: JSONWriter.bytes(deviceMapping, style: .pretty), message: message)
    }
}
