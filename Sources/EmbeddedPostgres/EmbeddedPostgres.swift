import Foundation
import Logging

/// Why the private PostgreSQL cluster could not be created, started or stopped.
public struct EmbeddedPostgresError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A private PostgreSQL cluster under a data directory, reachable only through a Unix socket
/// in that directory (no TCP listener), with trust authentication for the socket.
///
/// `vesta serve` uses it when no database URL is given; the tests use it for a throwaway
/// database. When running as root, the cluster runs as the `postgres` system user, because
/// PostgreSQL refuses to run as root.
public struct EmbeddedPostgres: Sendable {
    /// Where the cluster lives and how to reach it once started.
    public let clusterDirectory: URL
    public let socketDirectory: URL
    public let port: Int
    /// PostgreSQL's `max_connections`.
    public let maxConnections: Int
    public let databaseName = "vesta"
    public let userName = "vesta"
    private let binaries: PostgresBinaries
    private let logger: Logger

    /// - Parameters:
    ///   - dataDirectory: Vesta's data directory; the cluster goes in `postgres/` inside it.
    ///   - maxConnections: PostgreSQL's `max_connections` (the test suite, with a database and a
    ///     pool per isolated test, needs more than a server does).
    public init(dataDirectory: URL, port: Int = 5432, maxConnections: Int = 100, logger: Logger) throws(EmbeddedPostgresError) {
        self.clusterDirectory = dataDirectory.appendingPathComponent("postgres", isDirectory: true).standardizedFileURL
        self.socketDirectory = dataDirectory.appendingPathComponent("socket", isDirectory: true).standardizedFileURL
        self.port = port
        self.maxConnections = maxConnections
        self.binaries = try PostgresBinaries.locate()
        self.logger = logger
    }

    /// Path of the Unix socket file that clients connect to.
    public var socketPath: String {
        socketDirectory.appendingPathComponent(".s.PGSQL.\(port)").path
    }

    private var logFile: URL { clusterDirectory.deletingLastPathComponent().appendingPathComponent("postgres.log") }

    /// Creates the cluster on first use, then starts it and waits until it accepts connections.
    public func start() async throws(EmbeddedPostgresError) {
        try prepareDirectories()
        if !FileManager.default.fileExists(atPath: clusterDirectory.appendingPathComponent("PG_VERSION").path) {
            logger.info("creating PostgreSQL cluster", metadata: ["directory": "\(clusterDirectory.path)"])
            try await run(binaries.initdb, [
                "-D", clusterDirectory.path, "-U", userName, "--auth=trust", "-E", "UTF8",
                "--locale=C", "--no-sync",
            ])
        }
        try await ensureStopped()
        let options = "-c listen_addresses='' -c unix_socket_directories='\(socketDirectory.path)' -p \(port)"
            + " -c fsync=on -c max_connections=\(maxConnections)"
        try await run(binaries.pgCtl, [
            "start", "-D", clusterDirectory.path, "-w", "-t", "60", "-l", logFile.path, "-o", options,
        ])
        let existing = try await run(binaries.psql, [
            "-h", socketDirectory.path, "-p", "\(port)", "-U", userName, "-d", "postgres", "-v", "ON_ERROR_STOP=1",
            "-qAtc", "SELECT 1 FROM pg_database WHERE datname = '\(databaseName)'",
        ])
        if existing.isEmpty { try await createDatabase() }
        logger.info("PostgreSQL started", metadata: ["socket": "\(socketPath)"])
    }

    /// Stops the cluster with a fast shutdown (open transactions are rolled back, data is kept).
    public func stop() async throws(EmbeddedPostgresError) {
        guard isRunning else { return }
        try await run(binaries.pgCtl, ["stop", "-D", clusterDirectory.path, "-m", "fast", "-w", "-t", "60"])
        logger.info("PostgreSQL stopped")
    }

    /// Stops the cluster synchronously; for exit handlers that cannot await.
    public func stopBlocking() {
        guard isRunning else { return }
        _ = try? PostgresBinaries.runBlocking(
            binaries.pgCtl, ["stop", "-D", clusterDirectory.path, "-m", "fast", "-w", "-t", "30"], asUser: binaries.runAsUser)
    }

    /// Whether a postmaster of this cluster is running.
    public var isRunning: Bool {
        FileManager.default.fileExists(atPath: clusterDirectory.appendingPathComponent("postmaster.pid").path)
    }

    private func ensureStopped() async throws(EmbeddedPostgresError) {
        guard isRunning else { return }
        // A postmaster.pid left by a crash is harmless (pg_ctl start handles it); a live cluster
        // means another Vesta owns this data directory.
        if (try? await run(binaries.pgCtl, ["status", "-D", clusterDirectory.path])) != nil {
            throw EmbeddedPostgresError(
                "the PostgreSQL cluster in \(clusterDirectory.path) is already running; is another vesta using this data directory?")
        }
    }

    private func createDatabase() async throws(EmbeddedPostgresError) {
        try await run(binaries.psql, [
            "-h", socketDirectory.path, "-p", "\(port)", "-U", userName, "-d", "postgres", "-v", "ON_ERROR_STOP=1",
            "-qc", "CREATE DATABASE \(databaseName)",
        ])
    }

    private func prepareDirectories() throws(EmbeddedPostgresError) {
        do {
            let fileManager = FileManager.default
            for directory in [clusterDirectory.deletingLastPathComponent(), socketDirectory] {
                try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
            }
            if !fileManager.fileExists(atPath: clusterDirectory.path) {
                try fileManager.createDirectory(at: clusterDirectory, withIntermediateDirectories: false)
            }
            try fileManager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: clusterDirectory.path)
            try fileManager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: socketDirectory.path)
            if let owner = binaries.runAsUser {
                try PostgresBinaries.runBlocking(
                    URL(fileURLWithPath: "/bin/chown"), ["-R", owner, clusterDirectory.path, socketDirectory.path], asUser: nil)
                if !fileManager.fileExists(atPath: logFile.path) {
                    _ = fileManager.createFile(atPath: logFile.path, contents: nil)
                }
                try PostgresBinaries.runBlocking(URL(fileURLWithPath: "/bin/chown"), [owner, logFile.path], asUser: nil)
                do {
                    try PostgresBinaries.runBlocking(URL(fileURLWithPath: "/usr/bin/test"), ["-w", clusterDirectory.path], asUser: owner)
                } catch {
                    throw EmbeddedPostgresError(
                        "PostgreSQL runs as the '\(owner)' system user here, which cannot enter \(clusterDirectory.path); "
                            + "choose a --data-dir that user can reach (its parent folders need o+x), e.g. under /var/lib or /tmp")
                }
            }
        } catch let error as EmbeddedPostgresError {
            throw error
        } catch {
            throw EmbeddedPostgresError("cannot prepare \(clusterDirectory.path): \(error)")
        }
    }

    @discardableResult
    private func run(_ executable: URL, _ arguments: [String]) async throws(EmbeddedPostgresError) -> String {
        let user = binaries.runAsUser
        let result = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { try PostgresBinaries.runBlocking(executable, arguments, asUser: user) })
            }
        }
        switch result {
        case .success(let output): return output
        case .failure(let error as EmbeddedPostgresError): throw error
        case .failure(let error): throw EmbeddedPostgresError("\(executable.lastPathComponent) failed: \(error)")
        }
    }
}
