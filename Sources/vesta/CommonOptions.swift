import ArgumentParser
import Foundation
import Logging

/// Reads `VESTA_<NAME>` so every flag has an environment-variable twin.
func environment(_ name: String) -> String? {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
    return value
}

/// Options shared by every command that talks to the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory for the embedded PostgreSQL (VESTA_DATA_DIR).")
    var dataDirectory: String = environment("VESTA_DATA_DIR") ?? "./.vesta"

    @Option(name: .customLong("database-url"),
            help: "PostgreSQL URL, e.g. postgres://user:pass@host:5432/db; without it an embedded cluster is started in the data directory (VESTA_DATABASE_URL).")
    var databaseURLFlag: String?

    @Option(name: .customLong("db-pool-size"), help: "Maximum PostgreSQL connections (VESTA_DB_POOL_SIZE).")
    var poolSize: Int = environment("VESTA_DB_POOL_SIZE").flatMap(Int.init) ?? 20

    @Option(name: .customLong("migrations-dir"), help: "Directory of SQL migrations; found next to the project by default (VESTA_MIGRATIONS_DIR).")
    var migrationsDirectoryFlag: String?

    @Option(name: .customLong("conformance-dir"), help: "Directory of FHIR definitions; found next to the project by default (VESTA_CONFORMANCE_DIR).")
    var conformanceDirectoryFlag: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (VESTA_LOG_LEVEL).")
    var logLevel: String = environment("VESTA_LOG_LEVEL") ?? "info"

    var databaseURL: String? { databaseURLFlag ?? environment("VESTA_DATABASE_URL") }
    var migrationsDirectory: String? { migrationsDirectoryFlag ?? environment("VESTA_MIGRATIONS_DIR") }
    var conformanceDirectory: String? { conformanceDirectoryFlag ?? environment("VESTA_CONFORMANCE_DIR") }

    func makeLogger() throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        var logger = Logger(label: "vesta")
        logger.logLevel = level
        return logger
    }
}
