import DeviceMapping
import FHIRCore
import FHIRMapping
import Foundation
import Testing

/// Each sample mapping folder with a `fhirmapping.json` turns its sample messages, through the
/// device mapping, into the Observations in `observations/<name>.json`.
@Suite struct ReadyMappingTests {
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("mappings")

    static let directories: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/fhirmapping.json").path) }.sorted()
    }()

    @Test func fhirMappingsArePresent() {
        #expect(Self.directories == ["json-path-basic", "vesta-bench-vitals", "vitals-generic-json", "vitals-iot-central", "vitals-iot-hub"])
    }

    static func read(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

    @Test(arguments: directories)
    func samplesBecomeTheExpectedObservations(directory: String) throws {
        let folder = Self.root.appendingPathComponent(directory)
        let deviceMapping = try DeviceMapping.parse(try Self.read(folder.appendingPathComponent("devicecontent.json")))
        let fhirMapping = try FHIRMapping.parse(try Self.read(folder.appendingPathComponent("fhirmapping.json")))
        let messages = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("messages").path).sorted()
        for name in messages {
            let message = try JSONReader.parse(try Self.read(folder.appendingPathComponent("messages/\(name)")))
            let expected = try JSONReader.parse(try Self.read(folder.appendingPathComponent("observations/\(name)")))
            let measurements = try deviceMapping.normalize(DeviceEvent(envelope: message) ?? DeviceEvent(body: message))
            let result = FHIRMappingDebugger.observations(for: measurements, mapping: fhirMapping, issued: Fixtures.issued)
            #expect(result.warnings == [], "\(directory)/\(name)")
            #expect(JSONValue.array(result.observations) == expected, "\(directory)/messages/\(name)")
        }
    }
}
