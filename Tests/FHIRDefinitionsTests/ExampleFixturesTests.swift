import FHIRCore
import Testing

@Suite struct ExampleFixturesTests {
    @Test func allExamplesArePresent() {
        #expect(TestData.exampleFileNames.count == 117)
    }

    /// The official R4 examples are structurally valid.
    @Test(arguments: TestData.exampleFileNames)
    func exampleIsValid(fileName: String) throws {
        let issues = try TestData.validator().validate(try TestData.example(fileName))
        #expect(issues.isEmpty, "\(issues.map { "\($0.expression): \($0.diagnostics)" })")
    }
}
