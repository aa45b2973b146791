import FHIRCore
import FHIRSearch
import Testing

@Suite struct SearchQueryParserTests {
    // MARK: Helpers

    /// Every type with declared search parameters.
    static let resourceTypes: Set<String> = {
        let bases = (try? TestData.registry.get().allParameters.flatMap(\.base)) ?? []
        return Set(bases).subtracting(["Resource", "DomainResource"])
    }()

    /// Parses `query`, written decoded: `code=a,b&date=ge2020` (split on `&`, then the first `=`).
    func parse(_ resourceType: String, _ query: String, strict: Bool = true) throws -> SearchQuery {
        let parser = SearchQueryParser(registry: try TestData.registry.get(), resourceTypes: Self.resourceTypes)
        let pairs = query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (name: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
        }
        return try parser.parse(resourceType: resourceType, parameters: pairs, strict: strict)
    }

    /// The error parsing `query` throws under strict and under lenient handling.
    func errors(_ resourceType: String, _ query: String) -> (strict: SearchQueryError?, lenient: SearchQueryError?) {
        func error(strict: Bool) -> SearchQueryError? {
            do {
                _ = try parse(resourceType, query, strict: strict)
                return nil
            } catch {
                return error as? SearchQueryError
            }
        }
        return (error(strict: true), error(strict: false))
    }

    /// The single criterion of `query`, which must be a parameter match.
    func onlyMatch(_ resourceType: String, _ query: String) throws -> ParameterMatch {
        let criteria = try parse(resourceType, query).criteria
        try #require(criteria.count == 1)
        return try #require(Self.match(criteria.first))
    }

    static func match(_ criterion: SearchCriterion?) -> ParameterMatch? {
        if case .match(let match)? = criterion { match } else { nil }
    }

    static func chain(_ criterion: SearchCriterion?) -> (reference: SearchParameter, targetTypes: [String], inner: SearchCriterion)? {
        if case .chain(let reference, let targetTypes, let inner)? = criterion { (reference, targetTypes, inner) } else { nil }
    }

    static func reverseChain(_ criterion: SearchCriterion?) -> (sourceType: String, reference: SearchParameter, inner: SearchCriterion)? {
        if case .reverseChain(let sourceType, let reference, let inner)? = criterion { (sourceType, reference, inner) } else { nil }
    }

    func range(_ low: String, _ high: String) throws -> SearchDateRange {
        SearchDateRange(low: try TestData.instant(low), high: try TestData.instant(high))
    }

    func number(_ lexeme: String) throws -> SearchNumber {
        try #require(SearchValueNormalizer.number(lexeme))
    }

    // MARK: Dates and numbers

    @Test(arguments: SearchPrefix.allCases)
    func datePrefixesAtEveryPrecision(prefix: SearchPrefix) throws {
        let cases: [(String, SearchDateRange)] = [
            ("2020", try range("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z")),
            ("2020-02", try range("2020-02-01T00:00:00Z", "2020-03-01T00:00:00Z")),
            ("2020-02-29", try range("2020-02-29T00:00:00Z", "2020-03-01T00:00:00Z")),
            ("2020-02-29T10:20:30Z", try range("2020-02-29T10:20:30Z", "2020-02-29T10:20:31Z")),
            ("2020-02-29T10:20:30+02:00", try range("2020-02-29T08:20:30Z", "2020-02-29T08:20:31Z")),
        ]
        for (text, expected) in cases {
            let match = try onlyMatch("Observation", "date=\(prefix.rawValue)\(text)")
            #expect(match.parameter.code == "date")
            #expect(match.modifier == nil)
            #expect(match.values == [.date(prefix, expected)], "\(prefix)\(text)")
        }
    }

    @Test func dateWithoutPrefixIsEq() throws {
        let match = try onlyMatch("Observation", "_lastUpdated=2021-06")
        #expect(match.parameter.code == "_lastUpdated")
        #expect(match.values == [.date(.eq, try range("2021-06-01T00:00:00Z", "2021-07-01T00:00:00Z"))])
    }

    @Test func malformedDatesNameTheParameterInBothModes() {
        for (value, message) in [
            ("abc", "search parameter 'date': 'abc' is not a valid date"),
            ("2020-13", "search parameter 'date': '2020-13' is not a valid date"),
            ("gt2020-02-30", "search parameter 'date': 'gt2020-02-30' is not a valid date"),
            ("xx2020", "search parameter 'date': 'xx2020' has an unknown prefix 'xx'"),
            ("2020,", "search parameter 'date': '2020,' has an empty alternative"),
        ] {
            let (strict, lenient) = errors("Observation", "date=\(value)")
            #expect(strict?.description == message)
            #expect(lenient == strict)
        }
    }

    @Test func numbers() throws {
        let match = try onlyMatch("RiskAssessment", "probability=gt0.8,lt-5,100,ap1e2")
        #expect(match.values == [
            .number(.gt, try number("0.8")), .number(.lt, try number("-5")),
            .number(.eq, try number("100")), .number(.ap, try number("1e2")),
        ])
        #expect(errors("RiskAssessment", "probability=high").strict
            == .invalidValue(name: "probability", value: "high", reason: "is not a valid number"))
        #expect(errors("RiskAssessment", "probability=zz5").lenient
            == .invalidValue(name: "probability", value: "zz5", reason: "has an unknown prefix 'zz'"))
    }

    // MARK: Tokens, strings, uris

    @Test func tokenForms() throws {
        let match = try onlyMatch("Observation", "code=http://loinc.org|8480-6,|abc,http://loinc.org|,8480-6")
        #expect(match.values == [
            .token(system: .some("http://loinc.org"), code: "8480-6"),
            .token(system: .some(nil), code: "abc"),
            .token(system: .some("http://loinc.org"), code: nil),
            .token(system: nil, code: "8480-6"),
        ])
        // Prefixes belong to number, date and quantity only.
        #expect(try onlyMatch("Observation", "code=ge5").values == [.token(system: nil, code: "ge5")])
        #expect(try onlyMatch("Observation", "_id=abc").values == [.token(system: nil, code: "abc")])
        for bad in ["|", "a|b|c"] {
            #expect(errors("Observation", "code=\(bad)").lenient
                == .invalidValue(name: "code", value: bad, reason: "is not code, system|code, |code or system|"))
        }
    }

    @Test func tokenModifiers() throws {
        let text = try onlyMatch("Observation", "code:text=Blood PRESSURE")
        #expect(text.modifier == .text)
        #expect(text.values == [.token(system: nil, code: "blood pressure")])

        let not = try onlyMatch("Observation", "code:not=http://loinc.org|8480-6")
        #expect(not.modifier == .not)
        #expect(not.values == [.token(system: .some("http://loinc.org"), code: "8480-6")])

        let ofType = try onlyMatch("Patient", "identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|12345")
        #expect(ofType.modifier == .ofType)
        #expect(ofType.values == [.token(system: .some("http://terminology.hl7.org/CodeSystem/v2-0203|MR"), code: "12345")])
        #expect(errors("Patient", "identifier:of-type=MR|12345").lenient
            == .invalidValue(name: "identifier:of-type", value: "MR|12345", reason: "is not typeSystem|typeCode|value"))
    }

    @Test(arguments: ["in", "not-in", "above", "below"])
    func terminologyModifiersAreRefusedInBothModes(modifier: String) {
        let (strict, lenient) = errors("Observation", "code:\(modifier)=http://example.org/vs")
        #expect(strict == .needsTerminologyService(name: "code:\(modifier)", modifier: modifier))
        #expect(lenient == strict)
        #expect(strict?.description.contains("terminology service") == true)
    }

    @Test func escaping() throws {
        let strings = try onlyMatch("Observation", #"value-string=a\,b,c\$d\|e\\f,g\h"#)
        #expect(strings.values == [.string("a,b"), .string(#"c$d|e\f"#), .string(#"g\h"#)])

        let token = try onlyMatch("Patient", #"identifier=urn:sys\|x|v\,1"#)
        #expect(token.values == [.token(system: .some("urn:sys|x"), code: "v,1")])

        let composite = try onlyMatch("Observation", #"code-value-string=a\$b$x\$y"#)
        #expect(composite.values == [.composite([.token(system: nil, code: "a$b"), .string("x$y")])])
    }

    @Test func stringModifiers() throws {
        #expect(try onlyMatch("Patient", "name=Müller").values == [.string("muller")])
        let exact = try onlyMatch("Patient", "name:exact=Müller")
        #expect(exact.modifier == .exact)
        #expect(exact.values == [.string("Müller")])
        let contains = try onlyMatch("Patient", "name:contains=ÜL")
        #expect(contains.modifier == .contains)
        #expect(contains.values == [.string("ul")])
    }

    @Test func uris() throws {
        let match = try onlyMatch("ValueSet", "url:below=http://hl7.org/fhir/ValueSet/")
        #expect(match.modifier == .below)
        #expect(match.values == [.uri("http://hl7.org/fhir/ValueSet/")])
        #expect(try onlyMatch("Observation", "_profile=http://x.org/P|1.0").values == [.uri("http://x.org/P|1.0")])
    }

    // MARK: Quantities, references, composites

    @Test func quantityForms() throws {
        let match = try onlyMatch("Observation", "value-quantity=5.4|http://unitsofmeasure.org|mg,gt5.4||mg,le-3,ap100|http://unitsofmeasure.org|")
        #expect(match.values == [
            .quantity(.eq, try number("5.4"), system: "http://unitsofmeasure.org", code: "mg"),
            .quantity(.gt, try number("5.4"), system: nil, code: "mg"),
            .quantity(.le, try number("-3"), system: nil, code: nil),
            .quantity(.ap, try number("100"), system: "http://unitsofmeasure.org", code: nil),
        ])
        for bad in ["5.4|mg", "mg", "5.4|a|b|c"] {
            #expect(errors("Observation", "value-quantity=\(bad)").lenient?.description
                == "search parameter 'value-quantity': '\(bad)' is not a quantity (number, number|system|code or number||code)")
        }
    }

    @Test func referenceForms() throws {
        let match = try onlyMatch(
            "Observation",
            "subject=Patient/123,123,Patient/123/_history/2,http://example.org/fhir/Patient/9/_history/1,urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
        )
        #expect(match.modifier == nil)
        #expect(match.values == [
            .reference(type: "Patient", id: "123", url: nil, version: nil),
            .reference(type: nil, id: "123", url: nil, version: nil),
            .reference(type: "Patient", id: "123", url: nil, version: "2"),
            .reference(type: "Patient", id: "9", url: "http://example.org/fhir/Patient/9/_history/1", version: "1"),
            .reference(type: nil, id: nil, url: "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", version: nil),
        ])
        #expect(errors("Observation", "subject=not a reference").lenient
            == .invalidValue(name: "subject", value: "not a reference", reason: "is not an id, Type/id or an absolute URL"))
    }

    @Test func referenceTypeModifier() throws {
        let match = try onlyMatch("Observation", "subject:Patient=123,Patient/456")
        #expect(match.modifier == .type("Patient"))
        #expect(match.values == [
            .reference(type: "Patient", id: "123", url: nil, version: nil),
            .reference(type: "Patient", id: "456", url: nil, version: nil),
        ])
        #expect(errors("Observation", "subject:Patient=Group/1").strict
            == .invalidValue(name: "subject:Patient", value: "Group/1", reason: "is not an id, Patient/id or an absolute URL"))
        // Medication is a type, but not one Observation.subject points at.
        let (strict, lenient) = errors("Observation", "subject:Medication=1")
        #expect(strict == .unknownModifier(name: "subject:Medication", modifier: "Medication"))
        #expect(lenient == nil)
        #expect(try parse("Observation", "subject:Medication=1", strict: false).criteria.isEmpty)
    }

    @Test func referenceIdentifier() throws {
        let match = try onlyMatch("Observation", "subject:identifier=http://hospital.org/mrn|42")
        #expect(match.modifier == .identifier)
        #expect(match.values == [.token(system: .some("http://hospital.org/mrn"), code: "42")])
    }

    @Test func composite() throws {
        let match = try onlyMatch("Observation", "code-value-quantity=http://loinc.org|8480-6$gt100,8462-4$lt90||mm[Hg]")
        #expect(match.parameter.type == .composite)
        #expect(match.values == [
            .composite([.token(system: .some("http://loinc.org"), code: "8480-6"), .quantity(.gt, try number("100"), system: nil, code: nil)]),
            .composite([.token(system: nil, code: "8462-4"), .quantity(.lt, try number("90"), system: nil, code: "mm[Hg]")]),
        ])
        let (strict, lenient) = errors("Observation", "code-value-quantity=8480-6")
        #expect(strict?.description == "search parameter 'code-value-quantity': '8480-6' has 1 '$'-separated part(s) where the parameter has 2")
        #expect(lenient == strict)
        #expect(errors("Observation", "code-value-quantity=a$b$c").lenient != nil)
        #expect(errors("Observation", "code-value-quantity=8480-6$high").lenient
            == .invalidValue(name: "code-value-quantity", value: "high", reason: "is not a quantity (number, number|system|code or number||code)"))
    }

    // MARK: Missing, repetition

    @Test func missing() throws {
        let query = try parse("Observation", "code:missing=true&value-quantity:missing=false")
        guard case .missing(let code, true)? = query.criteria.first, case .missing(let value, false)? = query.criteria.last else {
            Issue.record("expected two :missing criteria, got \(query.criteria)")
            return
        }
        #expect(code.code == "code")
        #expect(value.code == "value-quantity")
        #expect(errors("Observation", "code:missing=maybe").lenient
            == .invalidValue(name: "code:missing", value: "maybe", reason: "is not true or false"))
    }

    @Test func repeatedParametersAreSeparateCriteria() throws {
        let query = try parse("Observation", "date=ge2020&date=lt2021&code=a,b")
        #expect(query.criteria.count == 3)
        #expect(Self.match(query.criteria[0])?.values == [.date(.ge, try range("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"))])
        #expect(Self.match(query.criteria[1])?.values == [.date(.lt, try range("2021-01-01T00:00:00Z", "2022-01-01T00:00:00Z"))])
        #expect(Self.match(query.criteria[2])?.values.count == 2)
    }

    // MARK: Chains and _has

    @Test func twoLevelChain() throws {
        let query = try parse("Observation", "subject:Patient.organization.name=Acme")
        let outer = try #require(Self.chain(query.criteria.first))
        #expect(outer.reference.code == "subject")
        #expect(outer.targetTypes == ["Patient"])
        let inner = try #require(Self.chain(outer.inner))
        #expect(inner.reference.code == "organization")
        #expect(inner.targetTypes == ["Organization"])
        let match = try #require(Self.match(inner.inner))
        #expect(match.parameter.code == "name")
        #expect(match.parameter.base == ["Organization"])
        #expect(match.values == [.string("acme")])
    }

    @Test func chainWithoutTypeUsesTargetsThatHaveTheParameter() throws {
        let name = try #require(Self.chain(try parse("Observation", "subject.name:exact=Eve").criteria.first))
        #expect(Set(name.targetTypes) == ["Patient", "Location"])
        let match = try #require(Self.match(name.inner))
        #expect(match.modifier == .exact)
        #expect(match.values == [.string("Eve")])

        let identifier = try #require(Self.chain(try parse("Observation", "subject.identifier=x").criteria.first))
        #expect(Set(identifier.targetTypes) == ["Group", "Device", "Patient", "Location"])
    }

    @Test func chainErrors() throws {
        // A token parameter cannot be chained.
        let (strict, lenient) = errors("Observation", "code.name=x")
        #expect(strict == .invalidChain(name: "code.name", reason: "'code' is not a reference parameter, so it cannot be chained"))
        #expect(lenient == nil)
        #expect(try parse("Observation", "code.name=x", strict: false).applied.isEmpty)

        #expect(errors("Observation", "subject.foo=x").strict
            == .invalidChain(name: "subject.foo", reason: "no type 'subject' can point at has a search parameter for 'foo'"))
        #expect(errors("Observation", "subject:Patient.foo=x").strict == .unknownParameter(name: "foo", resourceType: "Patient"))
        #expect(errors("Observation", "subject:text.name=x").strict == .unknownModifier(name: "subject:text.name", modifier: "text"))
        // Malformed values deep in a chain are refused in both modes.
        #expect(errors("Observation", "subject:Patient.birthdate=soon").lenient
            == .invalidValue(name: "subject:Patient.birthdate", value: "soon", reason: "is not a valid date"))
        #expect(errors("Observation", "subject.birthdate=soon").lenient
            == .invalidValue(name: "subject.birthdate", value: "soon", reason: "is not a valid date"))
    }

    @Test func chainAcrossTargetsWithDifferentParameterTypesNeedsAType() throws {
        // Observation.focus points at any type: `contact` is a string on NamingSystem, a token on Subscription.
        let error = errors("Observation", "focus.contact=x").strict
        guard case .invalidChain(let name, let reason)? = error else {
            Issue.record("expected invalidChain, got \(String(describing: error))")
            return
        }
        #expect(name == "focus.contact")
        #expect(reason.contains("focus:Type"))
        let typed = try #require(Self.chain(try parse("Observation", "focus:Subscription.contact=x").criteria.first))
        #expect(typed.targetTypes == ["Subscription"])
        #expect(Self.match(typed.inner)?.values == [.token(system: nil, code: "x")])
    }

    @Test func reverseChain() throws {
        let has = try #require(Self.reverseChain(try parse("Patient", "_has:Observation:patient:code=1234").criteria.first))
        #expect(has.sourceType == "Observation")
        #expect(has.reference.code == "patient")
        let match = try #require(Self.match(has.inner))
        #expect(match.parameter.code == "code")
        #expect(match.values == [.token(system: nil, code: "1234")])
    }

    @Test func nestedReverseChain() throws {
        let query = try parse("Patient", "_has:Observation:patient:_has:AuditEvent:entity:agent=Practitioner/1")
        let outer = try #require(Self.reverseChain(query.criteria.first))
        #expect(outer.sourceType == "Observation")
        let inner = try #require(Self.reverseChain(outer.inner))
        #expect(inner.sourceType == "AuditEvent")
        #expect(inner.reference.code == "entity")
        let match = try #require(Self.match(inner.inner))
        #expect(match.parameter.code == "agent")
        #expect(match.values == [.reference(type: "Practitioner", id: "1", url: nil, version: nil)])
    }

    @Test func reverseChainWithModifierAndChain() throws {
        let query = try parse("Patient", "_has:Observation:subject:performer:Practitioner.name:exact=Ng")
        let has = try #require(Self.reverseChain(query.criteria.first))
        #expect(has.reference.code == "subject")
        let chain = try #require(Self.chain(has.inner))
        #expect(chain.targetTypes == ["Practitioner"])
        #expect(Self.match(chain.inner)?.modifier == .exact)
    }

    @Test func reverseChainErrors() throws {
        for (query, expected) in [
            ("_has:Observation:code:code=x", SearchQueryError.invalidChain(
                name: "_has:Observation:code:code", reason: "'code' of Observation is not a reference that can point at Patient"
            )),
            ("_has:Observation:performer:code=x", .invalidChain(
                name: "_has:Observation:performer:code", reason: "'performer' of Observation is not a reference that can point at Device"
            )),
            ("_has:Nothing:patient:code=x", .invalidChain(name: "_has:Nothing:patient:code", reason: "'Nothing' is not a resource type")),
            ("_has:Observation:patient=x", .invalidChain(name: "_has:Observation:patient", reason: "'_has' is written _has:Type:reference:parameter")),
            ("_has:Observation:patient:nothing=x", .unknownParameter(name: "nothing", resourceType: "Observation")),
        ] {
            let resourceType = query.contains("performer") ? "Device" : "Patient"
            let (strict, lenient) = errors(resourceType, query)
            #expect(strict == expected)
            #expect(lenient == nil)
        }
    }

    // MARK: Result parameters

    @Test func includes() throws {
        let query = try parse(
            "Observation",
            "_include=Observation:subject&_include=Observation:subject:Patient&_include:iterate=Patient:general-practitioner"
                + "&_revinclude=Provenance:target&_include=Observation:*&_revinclude:recurse=Observation:has-member"
        )
        let includes = query.includes
        try #require(includes.count == 6)
        #expect(includes.map(\.reverse) == [false, false, false, true, false, true])
        #expect(includes.map(\.sourceType) == ["Observation", "Observation", "Patient", "Provenance", "Observation", "Observation"])
        #expect(includes.map { $0.parameter?.code } == ["subject", "subject", "general-practitioner", "target", nil, "has-member"])
        #expect(includes.map(\.targetType) == [nil, "Patient", nil, nil, nil, nil])
        #expect(includes.map(\.iterate) == [false, false, true, false, false, true])
        #expect(query.applied.count == 6)
        #expect(query.criteria.isEmpty)
    }

    @Test func includeErrors() {
        for (value, reason) in [
            ("Observation:code", "names 'code', which is not a reference parameter of Observation"),
            ("Observation", "is not SourceType:parameter or SourceType:parameter:TargetType"),
            ("Nothing:subject", "names 'Nothing', which is not a resource type"),
            ("Observation:subject:Medication", "names 'Medication', which is not a type the reference can point at"),
        ] {
            let (strict, lenient) = errors("Observation", "_include=\(value)")
            #expect(strict == .invalidValue(name: "_include", value: value, reason: reason))
            #expect(lenient == strict)
        }
        let (strict, lenient) = errors("Observation", "_include:deep=Observation:subject")
        #expect(strict == .unknownModifier(name: "_include:deep", modifier: "deep"))
        #expect(lenient == nil)
    }

    @Test func sort() throws {
        let keys = try parse("Observation", "_sort=-date,code,_lastUpdated,-_id").sort
        #expect(keys.map(\.parameter.code) == ["date", "code", "_lastUpdated", "_id"])
        #expect(keys.map(\.descending) == [true, false, false, true])
        for bad in ["nothing", "code-value-quantity", "_text", ""] {
            let (strict, lenient) = errors("Observation", "_sort=date,\(bad)")
            #expect(strict == .invalidValue(name: "_sort", value: bad, reason: "is not a sortable search parameter of Observation"))
            #expect(lenient == strict)
        }
    }

    @Test func count() throws {
        #expect(try parse("Observation", "_count=10").count == 10)
        #expect(try parse("Observation", "_count=1000").count == 1000)
        #expect(try parse("Observation", "_count=5000").count == 1000)
        #expect(try parse("Observation", "_count=99999999999999999999999").count == 1000)
        let zero = try parse("Observation", "_count=0")
        #expect(zero.count == 0)
        #expect(zero.summary == .count)
        for bad in ["-1", "ten", "1.5", "+3"] {
            let (strict, lenient) = errors("Observation", "_count=\(bad)")
            #expect(strict == .invalidValue(name: "_count", value: bad, reason: "is not a whole number of 0 or more"))
            #expect(lenient == strict)
        }
    }

    @Test func totalSummaryElementsAndCursor() throws {
        let query = try parse("Observation", "_total=accurate&_summary=data&_elements=status, code,subject&_cursor=abc.def")
        #expect(query.total == .accurate)
        #expect(query.summary == .data)
        #expect(query.elements == ["status", "code", "subject"])
        #expect(query.cursor == "abc.def")
        #expect(query.applied.map(\.name) == ["_total", "_summary", "_elements"])
        #expect(try parse("Observation", "").total == .none)
        #expect(errors("Observation", "_total=all").lenient == .invalidValue(name: "_total", value: "all", reason: "is not none, estimate or accurate"))
        #expect(errors("Observation", "_summary=yes").lenient?.description
            == "search parameter '_summary': 'yes' is not true, text, data, count or false")
        #expect(errors("Observation", "_elements=code,,status").lenient != nil)
    }

    // MARK: Handling

    @Test func unknownParameterStrictAndLenient() throws {
        let (strict, _) = errors("Observation", "nothing=1")
        #expect(strict == .unknownParameter(name: "nothing", resourceType: "Observation"))
        #expect(strict?.description == "unknown search parameter 'nothing' for Observation")
        let lenient = try parse("Observation", "nothing=1&code=x&birthdate=2020", strict: false)
        #expect(lenient.criteria.count == 1)
        #expect(lenient.applied.map(\.name) == ["code"])
    }

    @Test func unknownModifierStrictAndLenient() throws {
        let (strict, _) = errors("Observation", "code:exact=x")
        #expect(strict == .unknownModifier(name: "code:exact", modifier: "exact"))
        #expect(strict?.description == "search parameter 'code:exact': ':exact' is not a modifier this parameter accepts")
        #expect(errors("Observation", "date:missing=true&date:before=2020").strict == .unknownModifier(name: "date:before", modifier: "before"))
        let lenient = try parse("Observation", "code:exact=x&date:missing=true", strict: false)
        #expect(lenient.criteria.count == 1)
        #expect(lenient.applied.map(\.name) == ["date:missing"])
    }

    @Test func unsupportedParameters() throws {
        #expect(errors("Observation", "_text=fever").strict == .unsupportedParameter(name: "_text"))
        #expect(errors("Location", "near=42|-83|10|km").strict == .unsupportedParameter(name: "near"))
        #expect(try parse("Observation", "_content=fever", strict: false).criteria.isEmpty)
    }

    @Test func appliedListsUsedParametersInOrder() throws {
        let query = try parse(
            "Observation",
            "_format=json&code=a,b&_pretty=true&nothing=1&_count=5&_cursor=c1&date=&subject:Patient.name=Eve&_sort=-date&_contained=true",
            strict: false
        )
        #expect(query.applied.map(\.name) == ["code", "_count", "subject:Patient.name", "_sort"])
        #expect(query.applied.map(\.value) == ["a,b", "5", "Eve", "-date"])
        #expect(query.criteria.count == 2)
        #expect(query.count == 5)
        #expect(query.cursor == "c1")
    }
}
