import ArgumentParser
import FHIRStore
import Foundation

/// `vesta devices`: the keys devices authenticate `POST /ingest` with.
struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue, revoke and list the keys devices post telemetry to /ingest with.",
        subcommands: [IssueKey.self, RevokeKey.self, ListKeys.self])

    /// `vesta devices issue-key --device ID`: a new key, printed once.
    struct IssueKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue-key",
            abstract: "Create a key for a device and print it once.",
            discussion: "The device sends it as `Authorization: Bearer vdk_…`; its messages may then only carry that device's measurements. Only a hash is stored: the key cannot be shown again, only revoked and replaced.")

        @Option(name: .customLong("device"), help: "The device id, as the device mapping's deviceIdExpression yields it.")
        var deviceId: String

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = try database.makeLogger()
            let deviceId = deviceId
            let issued = try await DatabaseConnection.withMigratedClient(database, logger: logger) { client in
                try await DeviceKeyStore(client: client, logger: logger).issue(deviceId: deviceId)
            }
            print("key \(issued.keyId) for device \(deviceId):")
            print(issued.key)
            printError("Store this key now: it cannot be shown again (only its hash is kept).")
        }
    }

    /// `vesta devices revoke-key KEY-ID`.
    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-key",
            abstract: "Revoke a device key.",
            discussion: "Running servers stop accepting it within \(cacheSeconds) s (how long they trust a key they have checked).")

        @Argument(help: "The key id (the part after vdk_, up to the next _), as list-keys shows it.")
        var keyId: String

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = try database.makeLogger()
            let keyId = keyId
            try await DatabaseConnection.withMigratedClient(database, logger: logger) { client in
                try await DeviceKeyStore(client: client, logger: logger).revoke(keyId: keyId)
            }
            print("key \(keyId) revoked; running servers refuse it within \(cacheSeconds) s")
        }
    }

    /// `vesta devices list-keys`: every key, never a secret.
    struct ListKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list-keys", abstract: "List device keys (ids, devices, when created and revoked; never the keys).")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = try database.makeLogger()
            let keys = try await DatabaseConnection.withMigratedClient(database, logger: logger) { client in
                try await DeviceKeyStore(client: client, logger: logger).list()
            }
            print("key id\tdevice\tcreated\trevoked")
            let format = ISO8601DateFormatter()
            for key in keys {
                print("\(key.keyId)\t\(key.deviceId)\t\(format.string(from: key.created))\t\(key.revoked.map { format.string(from: $0) } ?? "-")")
            }
        }
    }
}

/// How long running servers may still accept a revoked key, in whole seconds.
private let cacheSeconds = DeviceKeyStore.defaultCacheLifetime.components.seconds

/// A line on standard error, so a warning is seen but does not end up in a captured key.
private func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
