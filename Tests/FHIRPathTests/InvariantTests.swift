import FHIRCore
import FHIRPath
import Testing

/// The formal constraints of the R4 structure index, a preview of the invariants work: they
/// parse, and the official examples satisfy those on resources and their backbone elements.
@Suite struct InvariantTests {
    struct Constraint {
        let key: String
        let path: String
        let expression: String
    }

    static func constraints() throws -> [Constraint] {
        let types = try TestData.json("conformance/structure/elements.json")["types"]?.objectValue ?? [:]
        return types.flatMap { _, type in
            (type["elements"]?.arrayValue ?? []).flatMap { element in
                (element["constraints"]?.arrayValue ?? []).compactMap { constraint -> Constraint? in
                    guard let key = constraint["key"]?.stringValue, let path = element["path"]?.stringValue,
                          let expression = constraint["expression"]?.stringValue else { return nil }
                    return Constraint(key: key, path: path, expression: expression)
                }
            }
        }
    }

    @Test func parsesAllButHTMLChecks() throws {
        var unparsed: Set<String> = []
        for constraint in try Self.constraints() where (try? FHIRPathExpression(parsing: constraint.expression)) == nil {
            unparsed.insert(constraint.key)
        }
        #expect(unparsed == ["txt-1", "txt-2"])  // both `htmlChecks()`
    }

    @Test func examplesSatisfyResourceConstraints() throws {
        let constraints = try Self.constraints().compactMap { constraint in
            (try? FHIRPathExpression(parsing: constraint.expression)).map { (constraint, $0) }
        }
        let model = try TestData.model.get()
        var checked = 0, violations: [String] = []
        for fileName in TestData.exampleFileNames {
            let resource = try TestData.example(fileName)
            let type = try #require(resource["resourceType"]?.stringValue)
            let context = FHIRPathContext(model: model, resource: resource)
            for (constraint, expression) in constraints where constraint.path == type || constraint.path.hasPrefix(type + ".") {
                for element in try FHIRPathExpression(parsing: constraint.path).evaluate(on: resource, context: context) {
                    checked += 1
                    let result = try expression.evaluate(on: element, context: context)
                    if !result.isEmpty, result != [.boolean(true)] { violations.append("\(fileName) \(constraint.key): \(result)") }
                }
            }
        }
        #expect(checked > 1000)
        #expect(violations.isEmpty, "\(violations)")
    }
}
