/// Search values in first-seen order without repeats: a linear scan while there are few (the
/// usual case, and cheaper than hashing), a hash set beyond that (a Group's thousands of members).
struct DistinctValues {
    private static let linearLimit = 16

    private(set) var values: [SearchValue] = []
    private var hashed: Set<SearchValue> = []

    mutating func insert(_ value: SearchValue) {
        if values.count < Self.linearLimit {
            guard !values.contains(value) else { return }
        } else {
            if hashed.isEmpty { hashed = Set(values) }
            guard hashed.insert(value).inserted else { return }
        }
        values.append(value)
    }
}
