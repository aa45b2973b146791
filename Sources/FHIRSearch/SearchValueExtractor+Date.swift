import FHIRCore
import FHIRPath

/// Date: date, dateTime and instant by their precision; Period; Timing by its outer limits.
extension SearchValueExtractor {
    func dates(_ item: FHIRPathValue) -> [SearchDateRange] {
        guard let (type, object) = Self.complex(item) else {
            switch item.primitiveValue {
            case .date(let text)?, .dateTime(let text)?: return SearchValueNormalizer.dateRange(text).map { [$0] } ?? []
            default: return []
            }
        }
        switch type {
        case "Period": return Self.period(object).map { [$0] } ?? []
        case "Timing": return Self.timing(object).map { [$0] } ?? []
        default: return []
        }
    }

    /// From the start of `start` to the end of `end`; a missing side is unbounded.
    private static func period(_ object: JSONObject) -> SearchDateRange? {
        let start = object["start"]?.stringValue.flatMap(FHIRDateRange.init(parsing:))
        let end = object["end"]?.stringValue.flatMap(FHIRDateRange.init(parsing:))
        guard start != nil || end != nil else { return nil }
        return SearchDateRange(low: start?.start, high: end?.end)
    }

    /// The span from the first to the last `event`, widened to `repeat.boundsPeriod`; the
    /// schedule in between is ignored, as FHIR R4 search does.
    private static func timing(_ object: JSONObject) -> SearchDateRange? {
        var ranges = (object["event"]?.arrayValue ?? []).compactMap(\.stringValue).compactMap(SearchValueNormalizer.dateRange)
        if let bounds = object["repeat"]?["boundsPeriod"]?.objectValue, let range = period(bounds) { ranges.append(range) }
        guard !ranges.isEmpty else { return nil }
        let lows = ranges.map(\.low), highs = ranges.map(\.high)
        return SearchDateRange(
            low: lows.contains(nil) ? nil : lows.compactMap { $0 }.min(),
            high: highs.contains(nil) ? nil : highs.compactMap { $0 }.max()
        )
    }
}
