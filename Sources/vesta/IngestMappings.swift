import ArgumentParser
import DeviceMapping
import FHIRMapping
import Foundation

/// The device and FHIR mappings `serve` ingests with, read from `--mappings-dir` at start.
/// Invalid mappings stop start-up with every error and its line and column.
struct IngestMappings {
    let device: DeviceMapping
    let fhir: FHIRMapping

    static func load(_ directory: String) throws -> IngestMappings {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        func read(_ name: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
                throw ValidationError("--mappings-dir: cannot read \(name) in \(directory)")
            }
            return Array(data)
        }
        do {
            return IngestMappings(device: try DeviceMapping.parse(try read("devicecontent.json")),
                                  fhir: try FHIRMapping.parse(try read("fhirmapping.json")))
        } catch let errors as DeviceMappingErrors {
            throw ValidationError("devicecontent.json is invalid:\n\(errors)")
        } catch let errors as FHIRMappingErrors {
            throw ValidationError("fhirmapping.json is invalid:\n\(errors)")
        }
    }
}
