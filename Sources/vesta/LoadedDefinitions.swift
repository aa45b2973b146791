import FHIRDefinitions
import FHIRSearch
import FHIRStore
import Foundation

/// The FHIR definitions a command serves or indexes with, from `conformance/`: the structure
/// index and the search parameters, whose index keys are checked collision-free.
struct LoadedDefinitions {
    let definitions: FHIRDefinitions
    let indexer: SearchIndexer
    /// Where they were read from (`conformance/`), for the other files there.
    let conformanceDirectory: URL

    static func load(_ options: DatabaseOptions) throws -> LoadedDefinitions {
        let conformance = try ProjectFiles.directory(named: "conformance", explicit: options.conformanceDirectory)
        let definitions = try FHIRDefinitions.load(conformanceDirectory: conformance)
        let indexer = try SearchIndexer.load(conformanceDirectory: conformance)
        try SearchParameterKey.verifyUnique(registry: indexer.registry, resourceTypes: definitions.resourceTypes)
        return LoadedDefinitions(definitions: definitions, indexer: indexer, conformanceDirectory: conformance)
    }
}
