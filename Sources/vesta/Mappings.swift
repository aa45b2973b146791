import ArgumentParser
import FHIRCore
import FHIRMapping
import Foundation

/// `vesta mappings …`: work with device mappings offline.
struct Mappings: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Test device mappings offline.", subcommands: [Test.self])

    /// `vesta mappings test DEVICE.json MESSAGE.json…`: the mapping debugger, without a server.
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a device mapping against sample messages and print what the debugger reports.",
            discussion: "Exits 1 when the mapping is invalid or a message fails. Template errors carry the line and column in DEVICE.json.")

        @Argument(help: "The device mapping (CollectionContent JSON).")
        var deviceMapping: String

        @Option(name: .customLong("fhir-mapping"), help: "A FHIR destination mapping (CollectionFhir JSON): also show the Observations.")
        var fhirMapping: String?

        @Argument(help: "Sample device messages (JSON files).")
        var messages: [String]

        func run() throws {
            let session = MappingDebugSession(deviceMapping: try Self.read(deviceMapping),
                                              fhirMapping: try fhirMapping.map(Self.read))
            if let errors = session.fhirMappingErrorsJSON {
                print("\(fhirMapping ?? ""):")
                print(JSONWriter.string(errors, style: .pretty))
            }
            var failed = !session.mappingsAreValid
            for path in messages {
                let result = session.run(message: try Self.read(path))
                print("\(path):")
                print(JSONWriter.string(result.json, style: .pretty))
                if !result.succeeded { failed = true }
            }
            if failed { throw ExitCode(1) }
        }

        private static func read(_ path: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path)")
            }
            return Array(data)
        }
    }
}
