import FHIRDefinitions
import Foundation
import Testing

@Suite struct DefinitionsLoadingTests {
    @Test func loadsVersionAndResourceTypes() throws {
        let definitions = try TestData.definitions.get()
        #expect(definitions.fhirVersion == "4.0.1")
        #expect(definitions.resourceTypes.count == 146)
        #expect(definitions.resourceTypes == definitions.resourceTypes.sorted())
        for name in ["Patient", "Observation", "Device", "Bundle", "AuditEvent", "Subscription", "Parameters"] {
            #expect(definitions.isResourceType(name), "\(name)")
            #expect(definitions.resourceTypes.contains(name), "\(name)")
        }
        for name in ["DomainResource", "Resource", "HumanName", "string", "patient", ""] {
            #expect(!definitions.isResourceType(name), "\(name)")
            #expect(!definitions.resourceTypes.contains(name), "\(name)")
        }
    }

    @Test func missingDirectoryIsUnreadable() {
        let missing = URL(fileURLWithPath: "/nonexistent-vesta-conformance")
        #expect {
            try FHIRDefinitions.load(conformanceDirectory: missing)
        } throws: { error in
            guard case .unreadable = error as? FHIRDefinitionsError else { return false }
            return true
        }
    }
}
