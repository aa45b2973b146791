import FHIRCore
import FHIRPath
import Foundation

/// Repository data the tests read, found from this file's location so that the tests need
/// nothing outside the repository: the R4 search parameters, the structure index, and the
/// official examples kept by the FHIRDefinitions tests.
enum TestData {
    /// The repository root (symbolic links resolved).
    static let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let examplesDirectory = repository.appendingPathComponent("Tests/FHIRDefinitionsTests/Fixtures/examples")

    static func json(_ relativePath: String) throws -> JSONValue {
        try JSONReader.parse([UInt8](try Data(contentsOf: repository.appendingPathComponent(relativePath))))
    }

    /// The element model built from `conformance/structure/elements.json`, loaded once.
    static let model = Result { () throws in try FHIRPathModel(structureIndex: try json("conformance/structure/elements.json")) }

    static func context() throws -> FHIRPathContext {
        FHIRPathContext(model: try model.get())
    }

    /// One R4 SearchParameter, as the tests need it.
    struct SearchParameter: Sendable {
        let id: String
        let code: String
        let base: [String]
        let expression: String?
    }

    /// The 1375 parameters of `conformance/search/search-parameters.json`.
    static let searchParameters = Result { () throws -> [SearchParameter] in
        let bundle = try json("conformance/search/search-parameters.json")
        return (bundle["entry"]?.arrayValue ?? []).compactMap { entry in
            guard let resource = entry["resource"], let id = resource["id"]?.stringValue,
                  let code = resource["code"]?.stringValue else { return nil }
            let base = (resource["base"]?.arrayValue ?? []).compactMap(\.stringValue)
            return SearchParameter(id: id, code: code, base: base, expression: resource["expression"]?.stringValue)
        }
    }

    static func searchParameter(_ id: String) throws -> SearchParameter {
        guard let parameter = try searchParameters.get().first(where: { $0.id == id }) else {
            throw TestDataError("no search parameter \(id)")
        }
        return parameter
    }

    /// Whether a parameter applies to resources of `type` (including the `Resource` and
    /// `DomainResource` parameters).
    static func parameter(_ parameter: SearchParameter, appliesTo type: String) -> Bool {
        parameter.base.contains(type) || parameter.base.contains("Resource")
            || (parameter.base.contains("DomainResource") && !["Bundle", "Binary", "Parameters"].contains(type))
    }

    /// The example fixture file names, sorted.
    static let exampleFileNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: examplesDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    static func example(_ fileName: String) throws -> JSONValue {
        try JSONReader.parse([UInt8](try Data(contentsOf: examplesDirectory.appendingPathComponent(fileName))))
    }

    /// Evaluates the expression of the parameter `id` on an example, with the model.
    static func evaluate(parameter id: String, on fileName: String) throws -> [FHIRPathValue] {
        guard let expression = try searchParameter(id).expression else { throw TestDataError("\(id) has no expression") }
        return try FHIRPathExpression(parsing: expression).evaluate(on: try example(fileName), context: try context())
    }
}

struct TestDataError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
