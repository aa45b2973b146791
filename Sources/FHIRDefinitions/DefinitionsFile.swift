import FHIRCore
import Foundation

/// A parsed definitions file, with accessors that report shape errors against the file name.
struct DefinitionsFile {
    let name: String
    let root: JSONValue

    /// Reads and parses `name` in `directory`.
    static func read(_ name: String, in directory: URL) throws(FHIRDefinitionsError) -> DefinitionsFile {
        let url = directory.appendingPathComponent(name)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
        do {
            return DefinitionsFile(name: name, root: try JSONReader.parse([UInt8](data)))
        } catch {
            throw .invalidJSON(file: name, error)
        }
    }

    func malformed(_ reason: String) -> FHIRDefinitionsError {
        .malformed(file: name, reason: reason)
    }

    func object(_ value: JSONValue?, _ what: @autoclosure () -> String) throws(FHIRDefinitionsError) -> JSONObject {
        guard let object = value?.objectValue else { throw malformed("\(what()) must be an object") }
        return object
    }

    func array(_ value: JSONValue?, _ what: @autoclosure () -> String) throws(FHIRDefinitionsError) -> [JSONValue] {
        guard let array = value?.arrayValue else { throw malformed("\(what()) must be an array") }
        return array
    }

    func string(_ value: JSONValue?, _ what: @autoclosure () -> String) throws(FHIRDefinitionsError) -> String {
        guard let string = value?.stringValue else { throw malformed("\(what()) must be a string") }
        return string
    }
}
