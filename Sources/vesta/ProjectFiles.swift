import ArgumentParser
import Foundation

/// Finds the project's data directories (`migrations/`, `conformance/`): an explicit path, else
/// the first folder holding both when walking up from the working directory or the executable.
enum ProjectFiles {
    static func directory(named name: String, explicit: String?) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit, isDirectory: true) }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath), executable.deletingLastPathComponent()]
        for start in starts {
            var candidate = start.standardizedFileURL
            while true {
                let migrations = candidate.appendingPathComponent("migrations").path
                let conformance = candidate.appendingPathComponent("conformance").path
                if FileManager.default.fileExists(atPath: migrations), FileManager.default.fileExists(atPath: conformance) {
                    return candidate.appendingPathComponent(name, isDirectory: true)
                }
                let parent = candidate.deletingLastPathComponent()
                if parent.path == candidate.path { break }
                candidate = parent
            }
        }
        throw ValidationError("cannot find the '\(name)' directory; run vesta from the project folder or pass --\(name)-dir")
    }
}
