import FHIRCore
import FHIRDefinitions
import Foundation

/// Repository data the tests read: `conformance/` and the example fixtures, found from this
/// file's location so the tests need nothing outside the repository.
enum TestData {
    /// This test target's directory (symbolic links resolved).
    static let testDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()

    /// `conformance/` in the nearest ancestor directory that has one.
    static let conformanceDirectory: URL = {
        var directory = testDirectory
        while directory.pathComponents.count > 1 {
            let candidate = directory.appendingPathComponent("conformance")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("structure/elements.json").path) {
                return candidate
            }
            directory.deleteLastPathComponent()
        }
        return testDirectory.appendingPathComponent("conformance")
    }()

    static let examplesDirectory = testDirectory.appendingPathComponent("Fixtures/examples")

    /// The example fixture file names, sorted.
    static let exampleFileNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: examplesDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    /// The definitions, loaded once for all tests.
    static let definitions = Result { () throws(FHIRDefinitionsError) in
        try FHIRDefinitions.load(conformanceDirectory: conformanceDirectory)
    }

    static func validator() throws -> StructuralValidator {
        StructuralValidator(definitions: try definitions.get())
    }

    static func example(_ fileName: String) throws -> JSONValue {
        let data = try Data(contentsOf: examplesDirectory.appendingPathComponent(fileName))
        return try JSONReader.parse([UInt8](data))
    }
}
