import Access
import FHIRCore
import FHIRStore
import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Testing
import VestaServer

/// SMART-on-FHIR access control through the whole server: bearer tokens checked on every
/// route, scopes per interaction and type, and `patient/` scopes held to the token's patient
/// compartment across reads, searches, includes, chains, `_has`, history, `$everything`,
/// writes and transactions.
@Suite struct AccessControlTests {
    static let secret = "access-control-tests-shared-secret-0123456789"

    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var aud: AudienceClaim?
        var scope: String
        var patient: String?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func client() async throws -> FHIRTestClient {
        let verifier = try await TokenVerifier.make(.init(keys: .sharedSecret(secret), audience: "http://vesta.test/fhir"))
        return try await FHIRTestClient.make(audit: .immediate, authenticator: Authenticator(verifier: verifier))
    }

    static func token(_ scope: String, patient: String? = nil, expiresIn: TimeInterval = 300, secret: String = secret) async throws -> HTTPFields {
        let claims = Claims(sub: SubjectClaim(value: "user-1"), exp: ExpirationClaim(value: Date().addingTimeInterval(expiresIn)),
                            aud: AudienceClaim(value: ["http://vesta.test/fhir"]), scope: scope, patient: patient)
        let jwt = try await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256).sign(claims)
        return [.authorization: "Bearer \(jwt)"]
    }

    /// Two patients with an Observation each (vital signs for `p1`, plus a laboratory one),
    /// written with a system token.
    static func seed(_ client: FHIRTestClient) async throws -> (p1: String, p2: String, obs1: String, lab1: String, obs2: String) {
        let admin = try await token("system/*.*")
        let (p1, p2) = (uniqueId("p1"), uniqueId("p2"))
        let (obs1, lab1, obs2) = (uniqueId("o1"), uniqueId("l1"), uniqueId("o2"))
        for patient in [p1, p2] {
            let put = try await client.send(.put, "/fhir/Patient/\(patient)",
                                            json: ["resourceType": "Patient", "id": .string(patient), "name": [["family": "Access"]]], headers: admin)
            #expect(put.status == .created)
        }
        for (id, patient, category) in [(obs1, p1, "vital-signs"), (lab1, p1, "laboratory"), (obs2, p2, "vital-signs")] {
            let put = try await client.send(.put, "/fhir/Observation/\(id)", json: observation(id, patient: patient, category: category), headers: admin)
            #expect(put.status == .created)
        }
        return (p1, p2, obs1, lab1, obs2)
    }

    static func observation(_ id: String?, patient: String, category: String = "vital-signs") -> JSONValue {
        var object: JSONObject = [
            "resourceType": "Observation", "status": "final",
            "category": [["coding": [["system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": .string(category)]]]],
            "code": ["coding": [["system": "http://loinc.org", "code": "8867-4"]]],
            "subject": ["reference": .string("Patient/\(patient)")],
            "valueQuantity": ["value": 72, "unit": "/min"],
        ]
        if let id { object["id"] = .string(id) }
        return .object(object)
    }

    static func ids(_ response: FHIRTestResponse) -> Set<String> {
        Set((response.object["entry"]?.arrayValue ?? []).compactMap { entry in
            guard let type = entry["resource"]?["resourceType"]?.stringValue, let id = entry["resource"]?["id"]?.stringValue else { return nil }
            return "\(type)/\(id)"
        })
    }

    @Test func missingForgedAndExpiredTokensGet401AndAreAudited() async throws {
        let client = try await Self.client()
        let events = try await AuditTests.recorded(client) {
            let missing = try await client.send(.get, "/fhir/Patient")
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == #"Bearer realm="vesta""#)
            #expect(missing.isOperationOutcome)
            let forged = try await client.send(.get, "/fhir/Patient", headers: try await Self.token("system/*.*", secret: "another-secret-of-sufficient-length-xx"))
            #expect(forged.status == .unauthorized)
            #expect(forged.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
            let expired = try await client.send(.get, "/fhir/Patient", headers: try await Self.token("system/*.*", expiresIn: -600))
            #expect(expired.status == .unauthorized)
            #expect(expired.diagnostics.contains("expired"))
        }
        #expect(events.count == 3)
        #expect(events.allSatisfy { $0["type"]?["code"] == "110114" && $0["outcome"] == "4" && $0["subtype"]?[0]?["code"] == "110122" })
    }

    @Test func openRoutesNeedNoToken() async throws {
        let client = try await Self.client()
        #expect(try await client.send(.get, "/fhir/metadata").status == .ok)
        #expect(try await client.send(.get, "/healthz").status == .ok)
        let smart = try await client.send(.get, "/.well-known/smart-configuration")
        #expect(smart.status == .ok)
        #expect(smart.object["capabilities"]?.arrayValue?.contains("permission-v2") == true)
    }

    @Test func scopesLimitInteractionsAndTypes() async throws {
        let client = try await Self.client()
        let seeded = try await Self.seed(client)
        let reader = try await Self.token("system/*.read")
        #expect(try await client.send(.get, "/fhir/Observation/\(seeded.obs2)", headers: reader).status == .ok)
        let create = try await client.send(.post, "/fhir/Observation", json: Self.observation(nil, patient: seeded.p1), headers: reader)
        #expect(create.status == .forbidden)
        #expect(create.diagnostics.contains("create on Observation"))
        let patientsOnly = try await Self.token("user/Patient.rs")
        #expect(try await client.send(.get, "/fhir/Observation?subject=Patient/\(seeded.p1)", headers: patientsOnly).status == .forbidden)
        #expect(try await client.send(.get, "/fhir/Patient/\(seeded.p2)", headers: patientsOnly).status == .ok)
        // Server-wide data needs a scope on every type outside the patient context.
        #expect(try await client.send(.get, "/events", headers: patientsOnly).status == .forbidden)
        #expect(try await client.send(.get, "/events", headers: reader).status == .ok)
    }

    @Test func patientScopesStayInTheTokensCompartment() async throws {
        let client = try await Self.client()
        let s = try await Self.seed(client)
        let token = try await Self.token("patient/*.rs", patient: s.p1)
        #expect(try await client.send(.get, "/fhir/Observation/\(s.obs1)", headers: token).status == .ok)
        #expect(try await client.send(.get, "/fhir/Observation/\(s.obs2)", headers: token).status == .forbidden)
        #expect(try await client.send(.get, "/fhir/Patient/\(s.p2)", headers: token).status == .forbidden)
        #expect(try await client.send(.get, "/fhir/Observation/\(s.obs2)/_history/1", headers: token).status == .forbidden)

        let search = try await client.send(.get, "/fhir/Observation?code=http://loinc.org|8867-4", headers: token)
        #expect(Self.ids(search) == ["Observation/\(s.obs1)", "Observation/\(s.lab1)"])
        let patients = try await client.send(.get, "/fhir/Patient?family=Access&_revinclude=Observation:subject", headers: token)
        #expect(Self.ids(patients) == ["Patient/\(s.p1)", "Observation/\(s.obs1)", "Observation/\(s.lab1)"])
        let chained = try await client.send(.get, "/fhir/Observation?subject:Patient.family=Access", headers: token)
        #expect(Self.ids(chained) == ["Observation/\(s.obs1)", "Observation/\(s.lab1)"])
        let has = try await client.send(.get, "/fhir/Patient?_has:Observation:subject:code=http://loinc.org|8867-4", headers: token)
        #expect(Self.ids(has) == ["Patient/\(s.p1)"])
        let included = try await client.send(.get, "/fhir/Observation?_id=\(s.obs1)&_include=Observation:subject", headers: token)
        #expect(Self.ids(included) == ["Observation/\(s.obs1)", "Patient/\(s.p1)"])
        let compartment = try await client.send(.get, "/fhir/Patient/\(s.p2)/Observation", headers: token)
        #expect(Self.ids(compartment).isEmpty)
        let everything = try await client.send(.get, "/fhir/Patient/\(s.p2)/$everything", headers: token)
        #expect(Self.ids(everything).isEmpty)
        let history = try await client.send(.get, "/fhir/Observation/_history", headers: token)
        #expect(!Self.ids(history).isEmpty)
        #expect(!Self.ids(history).contains("Observation/\(s.obs2)"))
        let system = try await client.send(.get, "/fhir?_type=Patient,Observation", headers: token)
        #expect(Self.ids(system) == ["Patient/\(s.p1)", "Observation/\(s.obs1)", "Observation/\(s.lab1)"])
        // Types outside any patient's compartment are out of reach of patient scopes.
        #expect(try await client.send(.get, "/fhir/Organization", headers: token).status == .forbidden)
    }

    @Test func patientScopedWritesStayInTheCompartment() async throws {
        let client = try await Self.client()
        let s = try await Self.seed(client)
        let token = try await Self.token("patient/Observation.cruds", patient: s.p1)
        #expect(try await client.send(.post, "/fhir/Observation", json: Self.observation(nil, patient: s.p1), headers: token).status == .created)
        #expect(try await client.send(.post, "/fhir/Observation", json: Self.observation(nil, patient: s.p2), headers: token).status == .forbidden)
        // Neither taking another patient's Observation nor moving one's own away.
        #expect(try await client.send(.put, "/fhir/Observation/\(s.obs2)", json: Self.observation(s.obs2, patient: s.p1), headers: token).status == .forbidden)
        #expect(try await client.send(.put, "/fhir/Observation/\(s.obs1)", json: Self.observation(s.obs1, patient: s.p2), headers: token).status == .forbidden)
        #expect(try await client.send(.delete, "/fhir/Observation/\(s.obs2)", headers: token).status == .forbidden)
        let patch: JSONValue = [["op": "replace", "path": "/subject/reference", "value": .string("Patient/\(s.p2)")]]
        var patchHeaders = token
        patchHeaders[.contentType] = "application/json-patch+json"
        let patched = try await client.send(.patch, "/fhir/Observation/\(s.obs1)", body: JSONWriter.string(patch), headers: patchHeaders)
        #expect(patched.status == .forbidden)
        #expect(try await client.send(.delete, "/fhir/Observation/\(s.obs1)", headers: token).status == .noContent)
        let admin = try await Self.token("system/*.read")
        #expect(try await client.send(.get, "/fhir/Observation/\(s.obs2)", headers: admin).object["subject"]?["reference"] == .string("Patient/\(s.p2)"))
    }

    @Test func transactionsAreCheckedEntryByEntryAndRolledBack() async throws {
        let client = try await Self.client()
        let s = try await Self.seed(client)
        let token = try await Self.token("patient/Observation.cruds", patient: s.p1)
        func bundle(_ patients: [String]) -> JSONValue {
            .object(["resourceType": "Bundle", "type": "transaction", "entry": .array(patients.map { patient in
                ["resource": Self.observation(nil, patient: patient), "request": ["method": "POST", "url": "Observation"]]
            })])
        }
        let before = try await client.count("SELECT count(*) FROM r_observation")
        let refused = try await client.send(.post, "/fhir", json: bundle([s.p1, s.p2]), headers: token)
        #expect(refused.status == .forbidden)
        #expect(try await client.count("SELECT count(*) FROM r_observation") == before)
        let accepted = try await client.send(.post, "/fhir", json: bundle([s.p1, s.p1]), headers: token)
        #expect(accepted.status == .ok)
        let searchEntry: JSONValue = ["resourceType": "Bundle", "type": "batch", "entry": [
            ["request": ["method": "GET", "url": "Observation?code=http://loinc.org|8867-4"]],
            ["request": ["method": "GET", "url": .string("Observation/\(s.obs2)")]],
        ]]
        let batch = try await client.send(.post, "/fhir", json: searchEntry, headers: token)
        let entries = batch.object["entry"]?.arrayValue ?? []
        let found = (entries.first?["resource"]?["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?["subject"]?["reference"]?.stringValue }
        #expect(!found.isEmpty && found.allSatisfy { $0 == "Patient/\(s.p1)" })
        #expect(entries.last?["response"]?["status"]?.stringValue?.hasPrefix("403") == true)
    }

    @Test func aVersionTwoRestrictionNarrowsSearchesAndReads() async throws {
        let client = try await Self.client()
        let s = try await Self.seed(client)
        let token = try await Self.token(
            "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs", patient: s.p1)
        let search = try await client.send(.get, "/fhir/Observation", headers: token)
        #expect(Self.ids(search) == ["Observation/\(s.obs1)"])
        #expect(try await client.send(.get, "/fhir/Observation/\(s.lab1)", headers: token).status == .forbidden)
        #expect(try await client.send(.get, "/fhir/Observation/\(s.obs1)", headers: token).status == .ok)
    }

    @Test func deviceKeysPostTelemetryAndNothingElse() async throws {
        let client = try await Self.client()
        let key = try await DeviceKeyStore(client: client.environment.client, logger: client.environment.logger).issue(deviceId: "dev-acl").key
        let device: HTTPFields = [.authorization: "Bearer \(key)"]
        let message = #"{"deviceId":"dev-acl","measurementTime":"2026-05-01T10:00:00Z","type":"8867-4","value":70}"#
        #expect(try await client.send(.post, "/ingest", body: message, headers: device).status == .accepted)
        let elsewhere = try await client.send(.get, "/fhir/Patient", headers: device)
        #expect(elsewhere.status == .forbidden)
        #expect(elsewhere.diagnostics.contains("/ingest"))
        #expect(try await client.send(.get, "/ingest/errors", headers: device).status == .forbidden)
        let unknown = try await client.send(.post, "/ingest", body: message, headers: [.authorization: "Bearer vdk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
        #expect(unknown.status == .unauthorized)
        // A token may post telemetry only with a scope that may create Observations.
        #expect(try await client.send(.post, "/ingest", body: message, headers: try await Self.token("system/*.read")).status == .forbidden)
        #expect(try await client.send(.post, "/ingest", body: message, headers: try await Self.token("system/Observation.c")).status == .accepted)
    }

    @Test func searchesOverTheClientsRateGet429WithRetryAfter() async throws {
        // One search every 20 s: a first search slowed by a busy machine cannot outlast the refill.
        let client = try await FHIRTestClient.make(configure: { $0.searchRateLimit = 0.05 })
        // One router for every request, as one server has.
        let router = VestaApplication.router(configuration: client.configuration, dependencies: client.dependencies, logger: client.environment.logger)
        try await Application(router: router, logger: client.environment.logger).test(.router) { http in
            #expect(try await http.execute(uri: "/fhir/Patient?_count=1", method: .get) { $0.status } == .ok)
            try await http.execute(uri: "/fhir/Patient?_count=1", method: .get) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter].flatMap { Int($0) }.map { (1...20).contains($0) } == true)
                #expect(String(buffer: response.body).contains("OperationOutcome"))
            }
            // Reads are not searches.
            #expect(try await http.execute(uri: "/fhir/metadata", method: .get) { $0.status } == .ok)
        }
    }

    @Test func corsPreflightIsAnsweredWithoutAToken() async throws {
        let verifier = try await TokenVerifier.make(.init(keys: .sharedSecret(Self.secret)))
        let client = try await FHIRTestClient.make(authenticator: Authenticator(verifier: verifier), configure: { $0.corsOrigin = "https://app.example" })
        let preflight = try await client.send(.options, "/fhir/Patient", headers: [
            .origin: "https://app.example", .accessControlRequestMethod: "GET", .accessControlRequestHeaders: "authorization"])
        #expect(preflight.status == .noContent || preflight.status == .ok)
        #expect(preflight.headers[.accessControlAllowOrigin] == "https://app.example")
        let unauthenticated = try await client.send(.get, "/fhir/Patient", headers: [.origin: "https://app.example"])
        #expect(unauthenticated.status == .unauthorized)
        #expect(unauthenticated.headers[.accessControlAllowOrigin] == "https://app.example")
    }

    @Test func theCapabilityStatementAnnouncesSMARTAndCORS() async throws {
        let verifier = try await TokenVerifier.make(.init(keys: .sharedSecret(Self.secret)))
        let client = try await FHIRTestClient.make(authenticator: Authenticator(verifier: verifier), configure: {
            $0.corsOrigin = "https://app.example"
            $0.smart = SMARTDiscovery(authorizationEndpoint: "https://auth.example/authorize", tokenEndpoint: "https://auth.example/token")
        })
        let security = try #require(try await client.send(.get, "/fhir/metadata").object["rest"]?[0]?["security"])
        #expect(security["cors"] == true)
        #expect(security["service"]?[0]?["coding"]?[0]?["code"] == "SMART-on-FHIR")
        let uris = security["extension"]?[0]?["extension"]?.arrayValue ?? []
        #expect(uris.contains { $0["url"] == "authorize" && $0["valueUri"] == "https://auth.example/authorize" })
        #expect(uris.contains { $0["url"] == "token" && $0["valueUri"] == "https://auth.example/token" })
    }
}
