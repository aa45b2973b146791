import ArgumentParser
import DeviceMapping
import FHIRMapping
import Foundation

/// The device and FHIR mapping texts `serve` stores at start, read from `--mappings-dir`.
/// Invalid mappings stop start-up with every error and its line and column.
struct IngestMappings {
    let device: String
    let fhir: String

    static func load(_ directory: String) throws -> IngestMappings {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        func read(_ name: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
                throw ValidationError("--mappings-dir: cannot read \(name) in \(directory)")
            }
            return String(decoding: data, as: UTF8.self)
        }
        let mappings = IngestMappings(device: try read("devicecontent.json"), fhir: try read("fhirmapping.json"))
        do {
            _ = try DeviceMapping.parse(mappings.device)
            _ = try FHIRMapping.parse(mappings.fhir)
            return mappings
        } catch let errors as DeviceMappingErrors {
            throw ValidationError("devicecontent.json is invalid:\n\(errors)")
        } catch let errors as FHIRMappingErrors {
            throw ValidationError("fhirmapping.json is invalid:\n\(errors)")
        }
    }
}
