import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL server programs on this machine, and the user to run them as.
struct PostgresBinaries: Sendable {
    let initdb: URL
    let pgCtl: URL
    let psql: URL
    /// `postgres` when this process is root (PostgreSQL refuses to run as root), else nil.
    let runAsUser: String?

    /// Finds the newest `/usr/lib/postgresql/<major>/bin`, or uses `VESTA_PG_BIN` when set.
    static func locate() throws(EmbeddedPostgresError) -> PostgresBinaries {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["VESTA_PG_BIN"], !explicit.isEmpty {
            candidates.append(URL(fileURLWithPath: explicit, isDirectory: true))
        }
        let debianRoot = "/usr/lib/postgresql"
        let majors = ((try? fileManager.contentsOfDirectory(atPath: debianRoot)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        candidates += majors.map { URL(fileURLWithPath: "\(debianRoot)/\($0)/bin", isDirectory: true) }
        guard let directory = candidates.first(where: {
            fileManager.isExecutableFile(atPath: $0.appendingPathComponent("initdb").path)
        }) else {
            throw EmbeddedPostgresError(
                "PostgreSQL server programs not found (looked in VESTA_PG_BIN and \(debianRoot)/*/bin); "
                    + "run ./scripts/setup.sh or install the Debian package 'postgresql', or pass --database-url")
        }
        let psql = ["/usr/bin/psql", directory.appendingPathComponent("psql").path]
            .first(where: fileManager.isExecutableFile(atPath:)) ?? "psql"
        return PostgresBinaries(
            initdb: directory.appendingPathComponent("initdb"),
            pgCtl: directory.appendingPathComponent("pg_ctl"),
            psql: URL(fileURLWithPath: psql),
            runAsUser: getuid() == 0 ? "postgres" : nil)
    }

    /// Runs a program to completion, as `user` when given; returns its standard output.
    /// A non-zero exit becomes an error carrying the program's standard error.
    ///
    /// Uses `posix_spawn` and `waitpid` rather than Foundation's `Process`, whose exit
    /// detection on Linux waits for a descriptor that `pg_ctl start`'s postmaster inherits.
    /// Output goes to temporary files, not pipes, for the same reason.
    @discardableResult
    static func runBlocking(_ executable: URL, _ arguments: [String], asUser user: String?) throws -> String {
        let command = user.map { ["/usr/sbin/runuser", "-u", $0, "--", executable.path] } ?? [executable.path]
        // Start in a directory every user can enter, so the server user can run from it.
        let argv = ["/bin/sh", "-c", "cd / && exec \"$@\"", "sh"] + command + arguments
        let outputFile = try TemporaryFile()
        let errorFile = try TemporaryFile()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFile.descriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, errorFile.descriptor, 2)
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else {
            throw EmbeddedPostgresError("cannot start \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        guard exitCode == 0 else {
            let message = String(decoding: errorFile.contents(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw EmbeddedPostgresError(
                "\(executable.lastPathComponent) \(arguments.first ?? "") exited with \(exitCode): \(message)")
        }
        return String(decoding: outputFile.contents(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// An unlinked temporary file that collects a child process's output.
private final class TemporaryFile {
    let handle: FileHandle
    var descriptor: Int32 { handle.fileDescriptor }

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/vesta-output-XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw EmbeddedPostgresError("cannot create a temporary file") }
        unlink(String(cString: template))
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    func contents() -> Data {
        (try? handle.seek(toOffset: 0)).flatMap { _ in try? handle.readToEnd() } ?? Data()
    }
}
