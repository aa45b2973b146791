import Testing
@testable import Access

@Suite("SMART scopes")
struct SMARTScopeTests {
    @Test("v1 read, write and * map to the v2 letters")
    func versionOne() throws {
        let read = try #require(SMARTScope("patient/Observation.read"))
        #expect(read.context == .patient)
        #expect(read.resourceType == "Observation")
        #expect(read.permissions == [.read, .search])
        #expect(try #require(SMARTScope("user/*.write")).permissions == [.create, .update, .delete])
        let all = try #require(SMARTScope("system/*.*"))
        #expect(all.permissions == .all)
        #expect(all.resourceType == nil)
    }

    @Test("v2 letters must come in the order cruds")
    func versionTwo() throws {
        #expect(try #require(SMARTScope("patient/Observation.rs")).permissions == [.read, .search])
        #expect(try #require(SMARTScope("system/Patient.cud")).permissions == [.create, .update, .delete])
        #expect(SMARTScope("patient/Observation.sr") == nil)
        #expect(SMARTScope("patient/Observation.rr") == nil)
        #expect(SMARTScope("patient/Observation.x") == nil)
    }

    @Test("a v2 search restriction is kept as its query text")
    func restriction() throws {
        let scope = try #require(SMARTScope("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"))
        #expect(scope.restriction == "category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs")
        #expect(SMARTScope("patient/Observation.rs?") == nil)
    }

    @Test("scopes that are not about resources grant nothing", arguments: ["openid", "fhirUser", "launch/patient", "offline_access", "patient/.read", "admin/Patient.read", "patient/Obs-ervation.read"])
    func nonResourceScopes(text: String) {
        #expect(SMARTScope(text) == nil)
    }

    @Test("a grant answers per permission and type; patient scopes need the patient claim")
    func grants() {
        let grant = AccessGrant(caller: .user(subject: "u", clientID: nil),
                                scopeTexts: ["openid", "patient/Observation.rs", "user/Patient.read"], patient: "p1")
        #expect(grant.permits(.read, on: "Observation"))
        #expect(grant.permits(.search, on: "Patient"))
        #expect(!grant.permits(.create, on: "Observation"))
        #expect(!grant.permits(.read, on: "Condition"))
        #expect(grant.scopes.count == 2)
        let withoutPatient = AccessGrant(caller: .user(subject: "u", clientID: nil), scopeTexts: ["patient/Observation.rs"])
        #expect(!withoutPatient.permits(.read, on: "Observation"))
        #expect(!grant.permitsServerWide(.read))
        #expect(AccessGrant(caller: .user(subject: "s", clientID: nil), scopeTexts: ["system/*.read"]).permitsServerWide(.read))
        #expect(AccessGrant.unrestricted.permits(.delete, on: "Patient"))
    }
}
