import ArgumentParser

@main
struct Vesta: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vesta",
        abstract: "A FHIR R4 server with a built-in device-data pipeline.",
        discussion: "Every option can also be set with the VESTA_* environment variable named in its help.",
        subcommands: [Serve.self, Migrate.self, Reindex.self, Keys.self, Audit.self, Devices.self, Mappings.self],
        defaultSubcommand: Serve.self)
}
