import FHIRCore
import JMESPath
import JSONPath

/// The languages a device template expression may be written in (SPEC §1.3).
public enum ExpressionLanguage: String, Sendable, Hashable {
    case jsonPath = "JsonPath"
    case jmesPath = "JmesPath"

    /// Case-insensitive lookup by name, as Json.NET's enum converter reads it.
    init?(name: String) {
        switch name.lowercased() {
        case "jsonpath": self = .jsonPath
        case "jmespath": self = .jmesPath
        default: return nil
        }
    }
}

/// A compiled template expression: Json.NET JSONPath or JMESPath with MedTech's functions.
public struct TemplateExpression: Sendable {
    /// The expression as written.
    public let text: String
    public let language: ExpressionLanguage
    private let program: Program

    private enum Program: Sendable {
        case jsonPath(JSONPathQuery)
        case jmesPath(JMESPathExpression)
    }

    /// Why an expression could not be evaluated.
    enum Failure: Error {
        case multipleResults
        case evaluation(String)

        var reason: String {
            switch self {
            case .multipleResults: "Multiple tokens were returned"
            case .evaluation(let reason): reason
            }
        }
    }

    /// Compiles `text`; the error string says why it is not an expression of `language`.
    init(_ text: String, language: ExpressionLanguage) throws(ExpressionCompileError) {
        self.text = text
        self.language = language
        switch language {
        case .jsonPath:
            do throws(JSONPathError) {
                program = .jsonPath(try JSONPathQuery(text, dialect: .jsonNet))
            } catch {
                throw ExpressionCompileError(reason: error.description)
            }
        case .jmesPath:
            do throws(JMESPathError) {
                program = .jmesPath(try JMESPathExpression(text, functions: .medTech))
            } catch {
                throw ExpressionCompileError(reason: error.description)
            }
        }
    }

    /// `typeMatchExpression` mode: every match (SPEC §1.4 step 2, §1.7).
    func matches(in document: JSONValue) throws(Failure) -> [JSONValue] {
        switch program {
        case .jsonPath(let query): return query.select(document)
        case .jmesPath(let expression):
            do throws(JMESPathError) { return try expression.searchMatches(document) } catch {
                throw .evaluation(error.description)
            }
        }
    }

    /// Single-result mode: `nil` when nothing (or JSON `null`) was selected (SPEC §1.4 step 4).
    func single(in document: JSONValue) throws(Failure) -> JSONValue? {
        switch program {
        case .jsonPath(let query):
            do throws(JSONPathError) {
                let value = try query.selectSingle(document)
                return value == .null ? nil : value
            } catch {
                throw .multipleResults
            }
        case .jmesPath(let expression):
            do throws(JMESPathError) { return try expression.searchSingle(document) } catch {
                if error.kind == .multipleResults { throw .multipleResults }
                throw .evaluation(error.description)
            }
        }
    }
}

/// Why an expression did not compile.
struct ExpressionCompileError: Error {
    let reason: String
}
