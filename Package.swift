// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Vesta",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vesta", targets: ["vesta"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    ],
    targets: [
        // FHIR JSON values, exact-decimal reader/writer, JSON Patch, OperationOutcome.
        .target(name: "FHIRCore"),
        // The FHIRPath subset over FHIR JSON: search-parameter expressions, invariants, criteria.
        .target(name: "FHIRPath", dependencies: ["FHIRCore"]),
        // JSONPath: RFC 9535 and Json.NET (MedTech device templates) dialects.
        .target(name: "JSONPath", dependencies: ["FHIRCore"]),
        // JMESPath: the specification plus MedTech's custom functions.
        .target(name: "JMESPath", dependencies: ["FHIRCore"]),
        // Search: declared SearchParameters and compartments; the values a resource is indexed under.
        .target(name: "FHIRSearch", dependencies: ["FHIRCore", "FHIRPath"]),
        // Device mapping templates (MedTech CollectionContent): parse, validate, normalize, debug.
        .target(name: "DeviceMapping", dependencies: ["FHIRCore", "JSONPath", "JMESPath"]),
        // FHIR destination mappings (MedTech CollectionFhir): group, build and merge Observations, debug.
        .target(
            name: "FHIRMapping",
            dependencies: ["FHIRCore", "DeviceMapping", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Device ingestion: durable buffer, workers, identity look-up, Observation create/merge.
        .target(
            name: "DeviceIngest",
            dependencies: [
                "FHIRCore", "FHIRDefinitions", "FHIRSearch", "FHIRStore", "DeviceMapping", "FHIRMapping",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // OpenSSL 3 libcrypto for encryption at rest (pkg-config "libcrypto": "openssl" would also link libssl).
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Encryption at rest: AES-256-GCM, HMAC-SHA-256 and random through OpenSSL; key ring,
        // sealing policy and the sealed-resource envelope.
        .target(name: "Encryption", dependencies: ["COpenSSL", "FHIRCore"]),
        // Audit log records: AuditEvents shaped per IHE BALP, and the request context they are built from.
        .target(name: "Audit", dependencies: ["FHIRCore"]),
        // Loads conformance/ data (structure index, value sets) and validates resources.
        .target(name: "FHIRDefinitions", dependencies: ["FHIRCore"]),
        // Starts and stops a private PostgreSQL cluster for `serve` and the tests.
        .target(
            name: "EmbeddedPostgres",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // PostgreSQL storage: migrations, resources, versions, history, change log, search index and queries.
        .target(
            name: "FHIRStore",
            dependencies: [
                "FHIRCore", "FHIRSearch", "Encryption", "Audit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Access control: SMART scopes, bearer-token verification (JWKS or shared secret), the caller's grant.
        .target(
            name: "Access",
            dependencies: [
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Subscriptions: admission, matching the change log against criteria, delivery with retries.
        .target(
            name: "Notifications",
            dependencies: [
                "FHIRCore", "FHIRSearch", "FHIRStore", "Audit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // HTTP: Hummingbird routes, content negotiation, errors as OperationOutcome.
        .target(
            name: "VestaServer",
            dependencies: [
                "FHIRCore", "FHIRDefinitions", "FHIRSearch", "FHIRStore", "DeviceMapping", "FHIRMapping", "DeviceIngest", "Audit",
                "Notifications", "Access",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "vesta",
            dependencies: [
                "VestaServer", "FHIRStore", "FHIRDefinitions", "FHIRSearch", "EmbeddedPostgres", "FHIRMapping", "DeviceIngest",
                "DeviceMapping", "Encryption", "Notifications", "Access", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "FHIRCoreTests", dependencies: ["FHIRCore"], exclude: ["Fixtures"]),
        .testTarget(name: "FHIRDefinitionsTests", dependencies: ["FHIRDefinitions", "FHIRCore"], exclude: ["Fixtures"]),
        .testTarget(name: "FHIRPathTests", dependencies: ["FHIRPath", "FHIRCore"]),
        .testTarget(name: "JSONPathTests", dependencies: ["JSONPath", "FHIRCore"], exclude: ["Fixtures"]),
        .testTarget(name: "JMESPathTests", dependencies: ["JMESPath", "FHIRCore"], exclude: ["Fixtures"]),
        .testTarget(name: "FHIRSearchTests", dependencies: ["FHIRSearch", "FHIRPath", "FHIRCore"]),
        .testTarget(name: "DeviceMappingTests", dependencies: ["DeviceMapping", "FHIRCore"]),
        .testTarget(name: "FHIRMappingTests", dependencies: ["FHIRMapping", "DeviceMapping", "FHIRCore"]),
        .testTarget(name: "FHIRStoreTests", dependencies: ["FHIRStore", "FHIRCore"]),
        .testTarget(name: "EncryptionTests", dependencies: ["Encryption", "FHIRCore"]),
        .testTarget(name: "NotificationsTests", dependencies: ["Notifications"]),
        .testTarget(name: "AccessTests", dependencies: ["Access", "VestaServer", .product(name: "JWTKit", package: "jwt-kit")]),
        // Transport security without a database: TLS settings from PEM files, client-certificate subjects.
        .testTarget(
            name: "TransportSecurityTests",
            dependencies: [
                "VestaServer", .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "VestaIntegrationTests",
            dependencies: [
                "VestaServer", "FHIRStore", "FHIRDefinitions", "FHIRSearch", "FHIRCore", "EmbeddedPostgres", "DeviceIngest", "DeviceMapping",
                "FHIRMapping", "Encryption", "Notifications", "Access", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
