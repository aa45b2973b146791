import FHIRMapping

/// Resolved identities by (device id, patient id, encounter id), kept for `lifetime` so a busy
/// device costs one look-up per lifetime rather than one per measurement group. MedTech keeps
/// them two hours; a short lifetime makes a re-linked Device (`Device.patient`) take effect soon.
actor IdentityCache {
    private struct Entry {
        let identities: ResolvedIdentities
        let expires: ContinuousClock.Instant
    }

    private let lifetime: Duration
    private let capacity: Int
    private var entries: [String: Entry] = [:]

    init(lifetime: Duration = .seconds(60), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func identities(for key: String) -> ResolvedIdentities? {
        guard let entry = entries[key] else { return nil }
        guard entry.expires > .now else {
            entries[key] = nil
            return nil
        }
        return entry.identities
    }

    func store(_ identities: ResolvedIdentities, for key: String) {
        if entries.count >= capacity {
            let now = ContinuousClock.now
            entries = entries.filter { $0.value.expires > now }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[key] = Entry(identities: identities, expires: .now + lifetime)
    }
}
