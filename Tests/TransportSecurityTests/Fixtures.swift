import Foundation

/// The PEM files in `Fixtures/` (see its README), located relative to this source file.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures", isDirectory: true)

    static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }
}
