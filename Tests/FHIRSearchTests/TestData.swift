import FHIRCore
import FHIRPath
import FHIRSearch
import Foundation

/// Repository data the tests read, found from this file's location (symbolic links resolved)
/// so the tests need nothing outside the repository: `conformance/` and the official
/// examples kept by the FHIRDefinitions tests.
enum TestData {
    static let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let conformanceDirectory = repository.appendingPathComponent("conformance")
    static let examplesDirectory = repository.appendingPathComponent("Tests/FHIRDefinitionsTests/Fixtures/examples")

    /// The registry, loaded once for all tests.
    static let registry = Result { () throws(SearchRegistryError) in
        try SearchParameterRegistry(conformanceDirectory: conformanceDirectory)
    }

    /// The element model from `conformance/structure/elements.json`, loaded once.
    static let model = Result { () throws in
        let data = try Data(contentsOf: conformanceDirectory.appendingPathComponent("structure/elements.json"))
        return try FHIRPathModel(structureIndex: try JSONReader.parse([UInt8](data)))
    }

    static func indexer() throws -> SearchIndexer {
        SearchIndexer(registry: try registry.get(), model: try model.get())
    }

    /// The example fixture file names, sorted.
    static let exampleFileNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: examplesDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    static func example(_ fileName: String) throws -> JSONValue {
        try JSONReader.parse([UInt8](try Data(contentsOf: examplesDirectory.appendingPathComponent(fileName))))
    }

    /// The values of one parameter on an example.
    static func values(_ code: String, in fileName: String) throws -> [SearchValue] {
        try indexer().indexValues(for: try example(fileName)).filter { $0.parameterCode == code }.map(\.value)
    }

    /// The values of one parameter on a resource.
    static func values(_ code: String, in resource: JSONValue) throws -> [SearchValue] {
        try indexer().indexValues(for: resource).filter { $0.parameterCode == code }.map(\.value)
    }

    /// An instant from FHIR text, failing the test when it does not parse.
    static func instant(_ text: String) throws -> FHIRInstant {
        guard let instant = FHIRInstant(parsing: text) else { throw TestDataError("not an instant: \(text)") }
        return instant
    }

    static func decimal(_ text: String) throws -> SearchDecimal {
        guard let decimal = SearchDecimal(text) else { throw TestDataError("not a decimal: \(text)") }
        return decimal
    }
}

struct TestDataError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
