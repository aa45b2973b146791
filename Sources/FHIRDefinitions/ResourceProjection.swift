import FHIRCore
import Foundation

/// The subsets of `_summary` (https://hl7.org/fhir/R4/search.html#summary) that project a
/// resource. `_summary=false` (the whole resource) and `_summary=count` (no resources) need
/// no projection; the raw values are the parameter values, so `init(rawValue:)` parses them.
public enum SummaryProjectionMode: String, Sendable, CaseIterable {
    /// `_summary=true`: the elements marked as summary in the base definition.
    case summary = "true"
    /// `_summary=text`: the narrative and the mandatory top-level elements.
    case text
    /// `_summary=data`: everything but the narrative.
    case data
}

/// Cuts resources down for `_summary` and `_elements`
/// (https://hl7.org/fhir/R4/search.html#summary, #elements), from the summary flags and
/// cardinalities of `structure/summary-elements.json` and the element tree of
/// `structure/elements.json`.
///
/// Every projection keeps `resourceType`, `id`, `meta` and the mandatory (`min >= 1`)
/// top-level elements. A resource that loses any element is marked with the `SUBSETTED` tag in
/// `meta.tag`; one that loses nothing is returned unchanged. A primitive's `_name` sibling
/// (id and extensions) goes with `name`. Resources of a type that is not a concrete R4
/// resource type, or without `resourceType`, are returned unchanged.
public struct ResourceProjection: Sendable {
    /// The tag that marks a subsetted resource (https://hl7.org/fhir/R4/search.html#summary).
    public static let subsettedTag: JSONValue = [
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
        "code": "SUBSETTED",
    ]

    /// The concrete resource types.
    private let resourceTypes: Set<String>
    /// Parent path → children, as in `FHIRDefinitions`.
    private let children: [String: ElementChildren]
    /// Paths of elements marked `isSummary`, e.g. `Patient.name`, `Observation.value[x]`.
    private let summaryPaths: Set<String>
    /// Paths of elements with `min >= 1`, e.g. `Observation.status`, `Patient.link.other`.
    private let mandatoryPaths: Set<String>

    /// The `_summary` projection of `resource`.
    ///
    /// - `summary`: the summary elements, at every level of the resource's own backbone
    ///   elements (a backbone element keeps its summary and mandatory children); values of data
    ///   types and contained resources stay whole. Also the mandatory top-level elements.
    /// - `text`: `text` and the mandatory top-level elements, whole.
    /// - `data`: every member but `text`.
    public func summary(_ resource: JSONObject, mode: SummaryProjectionMode) -> JSONObject {
        guard let type = resourceType(of: resource) else { return resource }
        let projected = switch mode {
        case .summary:
            topLevel(of: resource, type: type) { name, child, value in
                guard isAlwaysKept(name, child) || summaryPaths.contains(child.element.path) else { return nil }
                return summarize(value, as: child, in: type)
            }
        case .text:
            topLevel(of: resource, type: type) { name, child, value in
                guard isAlwaysKept(name, child) || name == "text" else { return nil }
                return value
            }
        case .data:
            JSONObject(uniqueMembers: resource.members.filter { $0.key != "text" })
        }
        return markedAsSubsetted(projected, original: resource)
    }

    /// The `_elements` projection of `resource`: the top-level elements named in `names`,
    /// whole. A choice element is named by its base name (`value`, or `value[x]`) for any
    /// type, or by one typed name (`valueQuantity`). Names of no element are ignored, as are
    /// spaces around names.
    public func elements(_ resource: JSONObject, keeping names: [String]) -> JSONObject {
        guard let type = resourceType(of: resource) else { return resource }
        let requested = Set(names.map { $0.trimmingCharacters(in: .whitespaces) })
        let projected = topLevel(of: resource, type: type) { name, child, value in
            let isRequested = requested.contains(name)
                || (child.element.isChoice && (requested.contains(child.element.baseName) || requested.contains(child.element.name)))
            guard isAlwaysKept(name, child) || isRequested else { return nil }
            return value
        }
        return markedAsSubsetted(projected, original: resource)
    }

    /// The concrete resource type named by `resourceType`, or nil.
    private func resourceType(of resource: JSONObject) -> String? {
        guard let type = resource["resourceType"]?.stringValue, resourceTypes.contains(type) else { return nil }
        return type
    }

    /// Whether a top-level element stays in every projection: `id`, `meta` and mandatory elements.
    private func isAlwaysKept(_ name: String, _ child: ChildElement) -> Bool {
        name == "id" || name == "meta" || mandatoryPaths.contains(child.element.path)
    }

    /// `resourceType`, then the members of `resource` that `project` keeps: it receives the
    /// element name (without the `_` of a primitive's extensions), the element and the value,
    /// and returns the value to keep, or nil. Members that name no element are dropped.
    private func topLevel(
        of resource: JSONObject, type: String, _ project: (String, ChildElement, JSONValue) -> JSONValue?
    ) -> JSONObject {
        let elements = children[type] ?? ElementChildren()
        var members: [(key: String, value: JSONValue)] = []
        for (key, value) in resource {
            if key == "resourceType" {
                members.append((key, value))
                continue
            }
            let name = key.hasPrefix("_") ? String(key.dropFirst()) : key
            guard case .element(let child) = elements.lookup(name), let kept = project(name, child, value) else { continue }
            members.append((key, kept))
        }
        return JSONObject(uniqueMembers: members)
    }

    /// The `_summary=true` projection of the value of an element. Backbone elements of the
    /// resource type (including `contentReference` targets such as `Questionnaire.item`) keep
    /// their summary and mandatory children; everything else stays whole. Nil when nothing
    /// is left.
    private func summarize(_ value: JSONValue, as child: ChildElement, in type: String) -> JSONValue? {
        guard case .complex(let parentPath) = child.content, parentPath.hasPrefix("\(type).") else { return value }
        /// The projected object, or nil when it is left empty.
        func summarized(_ object: JSONObject) -> JSONValue? {
            let projected = summarize(backbone: object, parentPath: parentPath, in: type)
            guard !projected.isEmpty else { return nil }
            return .object(projected)
        }
        switch value {
        case .object(let object):
            return summarized(object)
        case .array(let items):
            let projected = items.compactMap { item -> JSONValue? in
                guard case .object(let object) = item else { return item }
                return summarized(object)
            }
            guard !projected.isEmpty else { return nil }
            return .array(projected)
        default:
            return value
        }
    }

    /// The summary and mandatory members of one backbone element object.
    private func summarize(backbone: JSONObject, parentPath: String, in type: String) -> JSONObject {
        let elements = children[parentPath] ?? ElementChildren()
        var members: [(key: String, value: JSONValue)] = []
        for (key, value) in backbone {
            let name = key.hasPrefix("_") ? String(key.dropFirst()) : key
            guard case .element(let child) = elements.lookup(name),
                  summaryPaths.contains(child.element.path) || mandatoryPaths.contains(child.element.path),
                  let kept = summarize(value, as: child, in: type) else { continue }
            members.append((key, kept))
        }
        return JSONObject(uniqueMembers: members)
    }

    /// `projected` with the `SUBSETTED` tag added to `meta.tag` (once), or `original` when the
    /// projection removed nothing. A `meta` that is not an object, or a `tag` that is not an
    /// array, is replaced.
    private func markedAsSubsetted(_ projected: JSONObject, original: JSONObject) -> JSONObject {
        guard projected != original else { return original }
        var meta = projected["meta"]?.objectValue ?? JSONObject()
        var tags = meta["tag"]?.arrayValue ?? []
        let subsetted = Self.subsettedTag
        if !tags.contains(where: { $0["system"] == subsetted["system"] && $0["code"] == subsetted["code"] }) {
            tags.append(subsetted)
        }
        meta["tag"] = .array(tags)
        guard projected["meta"] == nil else {
            var marked = projected
            marked["meta"] = .object(meta)
            return marked
        }
        // A new `meta` goes where resources usually have it: after `resourceType` and `id`.
        var members = projected.members
        let position = members.prefix { $0.key == "resourceType" || $0.key == "id" || $0.key == "_id" }.count
        members.insert((key: "meta", value: .object(meta)), at: position)
        return JSONObject(uniqueMembers: members)
    }
}

extension ResourceProjection {
    /// Reads `summary-elements.json`: `fhirVersion`, and under `types` the `summary` and
    /// `mandatory` element paths of every concrete resource type. Each path must be an element
    /// of `index`, so the two files cannot drift apart unnoticed.
    init(file: DefinitionsFile, index: StructureIndex) throws(FHIRDefinitionsError) {
        let version = try file.string(file.root["fhirVersion"], "'fhirVersion'")
        guard version == index.fhirVersion else {
            throw file.malformed("'fhirVersion' is \(version), but elements.json is \(index.fhirVersion)")
        }
        let resourceTypes = Set(index.resourceTypes)
        let knownPaths = Set(index.children.values.flatMap { $0.byJSONName.values.map(\.element.path) })
        var summaryPaths = Set<String>()
        var mandatoryPaths = Set<String>()
        var listedTypes = Set<String>()
        for (type, value) in try file.object(file.root["types"], "'types'") {
            guard resourceTypes.contains(type) else { throw file.malformed("'\(type)' is not a concrete resource type") }
            let entry = try file.object(value, "type \(type)")
            func paths(_ key: String) throws(FHIRDefinitionsError) -> [String] {
                try file.array(entry[key], "'\(key)' of \(type)").map { (path) throws(FHIRDefinitionsError) in
                    let path = try file.string(path, "a path in '\(key)' of \(type)")
                    guard path.hasPrefix("\(type)."), knownPaths.contains(path) else {
                        throw file.malformed("'\(key)' of \(type) names \(path), which is not an element of \(type)")
                    }
                    return path
                }
            }
            summaryPaths.formUnion(try paths("summary"))
            mandatoryPaths.formUnion(try paths("mandatory"))
            listedTypes.insert(type)
        }
        if let missing = resourceTypes.subtracting(listedTypes).min() {
            throw file.malformed("resource type \(missing) is missing")
        }
        self.init(
            resourceTypes: resourceTypes, children: index.children,
            summaryPaths: summaryPaths, mandatoryPaths: mandatoryPaths
        )
    }
}
