import FHIRCore
import Foundation
import FHIRPath

/// Computes a resource's search values: every parameter that applies to its type, evaluated
/// and converted by the parameter's type. Immutable, so one instance serves all threads.
///
/// ```swift
/// let indexer = SearchIndexer(registry: registry, model: model)
/// let entries = try indexer.indexValues(for: observation)
/// // [code: .token(system: "http://loinc.org", code: "29463-7", display: "Body Weight"), ...]
/// ```
///
/// Not indexed: `near` (the one special parameter) and `_text`, `_content`, `_query`, which
/// have no expression.
public struct SearchIndexer: Sendable {
    public let registry: SearchParameterRegistry
    private let model: FHIRPathModel

    public init(registry: SearchParameterRegistry, model: FHIRPathModel) {
        self.registry = registry
        self.model = model
    }

    /// The resource's values, parameter by parameter in registry order, without repeats
    /// within a parameter. A resource without values for a parameter has no entry for it.
    /// `only`: evaluate just these parameter codes (all when nil).
    public func indexValues(for resource: JSONValue, only codes: Set<String>? = nil) throws(SearchIndexError) -> [SearchIndexEntry] {
        guard let type = resource["resourceType"]?.stringValue else { throw .notAResource }
        let context = FHIRPathContext(model: model, resource: resource)
        let extractor = SearchValueExtractor(resource: resource)
        var entries: [SearchIndexEntry] = []
        for parameter in registry.parameters(for: type) where parameter.type != .special && codes.map({ $0.contains(parameter.code) }) ?? true {
            guard let expression = parameter.expression else { continue }
            let items = try evaluating(parameter) { () throws(FHIRPathEvaluationError) in
                try expression.evaluate(on: resource, context: context)
            }
            var distinct = DistinctValues()
            for item in items {
                let values = parameter.type == .composite
                    ? try compositeValues(of: item, parameter: parameter, context: context, extractor: extractor)
                    : extractor.values(of: item, as: parameter.type)
                for value in values { distinct.insert(value) }
            }
            for value in distinct.values {
                entries.append(SearchIndexEntry(parameterCode: parameter.code, value: value))
            }
        }
        return entries
    }

    /// Every combination of the components' values on one element the composite selected.
    /// Components read only values of their own type (no `.text`, `.identifierOfType`, or
    /// `Reference.identifier` tokens).
    private func compositeValues(
        of item: FHIRPathValue, parameter: SearchParameter, context: FHIRPathContext, extractor: SearchValueExtractor
    ) throws(SearchIndexError) -> [SearchValue] {
        var combinations: [[SearchValue]] = [[]]
        for component in parameter.components {
            let parts = try evaluating(parameter) { () throws(FHIRPathEvaluationError) in
                try component.expression.evaluate(on: item, context: context)
            }
            var distinct = DistinctValues()
            for part in parts {
                for value in extractor.values(of: part, as: component.type) where value.isOfType(component.type) { distinct.insert(value) }
            }
            let values = distinct.values
            combinations = combinations.flatMap { prefix in values.map { prefix + [$0] } }
            if combinations.isEmpty { return [] }
        }
        return combinations.map(SearchValue.composite)
    }

    /// Runs an evaluation of `parameter`'s expressions, naming the parameter in its error.
    private func evaluating(
        _ parameter: SearchParameter, _ evaluation: () throws(FHIRPathEvaluationError) -> [FHIRPathValue]
    ) throws(SearchIndexError) -> [FHIRPathValue] {
        do {
            return try evaluation()
        } catch {
            throw .evaluation(parameter: parameter.code, error)
        }
    }
}

extension SearchValue {
    /// Whether this is a value of a `type` parameter itself, rather than a `:text`, `:of-type`
    /// or `:identifier` companion.
    fileprivate func isOfType(_ type: SearchParameterType) -> Bool {
        switch (self, type) {
        case (.token, .token), (.string, .string), (.date, .date), (.number, .number), (.quantity, .quantity),
             (.reference, .reference), (.uri, .uri), (.composite, .composite): true
        default: false
        }
    }
}

extension SearchIndexer {
    /// The indexer for the definitions under `conformanceDirectory`: the search parameters and
    /// compartments of `search/`, evaluated over the element model of `structure/elements.json`.
    public static func load(conformanceDirectory: URL) throws(SearchRegistryError) -> SearchIndexer {
        let registry = try SearchParameterRegistry(conformanceDirectory: conformanceDirectory)
        let elements = conformanceDirectory.appendingPathComponent("structure/elements.json")
        do {
            return SearchIndexer(registry: registry, model: try FHIRPathModel(structureIndex: try SearchParameterRegistry.readJSON(elements)))
        } catch let error as FHIRPathModelError {
            throw .malformed(error.description)
        } catch {
            throw error as? SearchRegistryError ?? .malformed("\(error)")
        }
    }
}
