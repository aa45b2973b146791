import FHIRCore
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import Testing
@testable import VestaServer

/// The R4 websocket channel over a real socket: bind, bound, a ping per notification (deletions included).
@Suite struct SubscriptionWebSocketTests {
    @Test func aBoundSocketIsPingedForEveryNotificationAndOthersAreRefused() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        let subscription: JSONValue = [
            "resourceType": "Subscription", "id": "ws-hr", "status": "requested", "reason": "live heart rate",
            "criteria": .string("Observation?code=\(SubscriptionTests.heartRate)"), "channel": ["type": "websocket"],
        ]
        #expect(try await client.send(.put, "/fhir/Subscription/ws-hr", json: subscription).status == .created)
        let restHook = SubscriptionTests.subscription("rest-only", endpoint: "http://127.0.0.1:9/hook")
        #expect(try await client.send(.put, "/fhir/Subscription/rest-only", json: restHook).status == .created)

        let app = Application(
            router: VestaApplication.router(configuration: client.configuration, dependencies: client.dependencies, logger: client.environment.logger),
            server: SubscriptionWebSocket.server(engine: client.subscriptions, store: client.store, authenticator: client.authenticator),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: client.environment.logger)
        try await app.test(.live) { http in
            let port = try #require(http.port)
            // The server still answers plain HTTP on the same port.
            try await http.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }

            let (received, receive) = AsyncStream.makeStream(of: String.self)
            let socket = Task {
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/fhir/$websocket", logger: client.environment.logger) { inbound, outbound, _ in
                    try await outbound.write(.text("bind missing"))
                    try await outbound.write(.text("bind rest-only"))
                    try await outbound.write(.text("bind ws-hr"))
                    var pings = 0
                    for try await message in inbound.messages(maxSize: 1 << 14) {
                        guard case .text(let text) = message else { continue }
                        receive.yield(text)
                        if text.hasPrefix("ping") { pings += 1 }
                        if pings == 2 { break }
                    }
                    receive.finish()
                }
            }
            var messages = received.makeAsyncIterator()
            #expect(await messages.next()?.hasPrefix("error missing") == true)
            #expect(await messages.next()?.hasPrefix("error rest-only") == true)
            #expect(await messages.next() == "bound ws-hr")

            #expect(try await client.send(.put, "/fhir/Observation/ws-1", json: SubscriptionTests.heartRate("ws-1", 70)).status == .created)
            try await SubscriptionTests.drain(client)
            #expect(await messages.next() == "ping ws-hr")
            #expect(try await client.send(.delete, "/fhir/Observation/ws-1").status == .noContent)
            try await SubscriptionTests.drain(client)
            #expect(await messages.next() == "ping ws-hr")
            _ = try await socket.value
        }
    }
}
