import DeviceMapping
import FHIRCore
import Foundation
import Testing

/// Every mapping in `mappings/` parses and turns each sample message into its expected output.
@Suite struct ReadyMappingTests {
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("mappings")

    static let directories: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/devicecontent.json").path) }.sorted()
    }()

    @Test func allSampleDirectoriesArePresent() {
        #expect(Self.directories == ["calculated-content", "iot-central", "iot-hub", "json-path-basic", "vesta-bench-vitals", "vitals-generic-json", "vitals-iot-central", "vitals-iot-hub"])
    }

    @Test(arguments: directories)
    func mappingNormalizesItsSamples(directory: String) throws {
        let folder = Self.root.appendingPathComponent(directory)
        let mapping = try DeviceMapping.parse(Array(try Data(contentsOf: folder.appendingPathComponent("devicecontent.json"))))
        let messages = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("messages").path).sorted()
        #expect(!messages.isEmpty)
        for name in messages {
            let message = try JSONReader.parse(Array(try Data(contentsOf: folder.appendingPathComponent("messages/\(name)"))))
            let expected = try JSONReader.parse(Array(try Data(contentsOf: folder.appendingPathComponent("expected/\(name)"))))
            let event = DeviceEvent(envelope: message) ?? DeviceEvent(body: message)
            let produced = JSONValue.array(try mapping.normalize(event).map(\.jsonValue))
            #expect(produced == expected, "\(directory)/messages/\(name)")
        }
    }
}
