/// The functions this engine implements, with how many arguments each takes.
enum Function: String, Sendable {
    // Existence
    case empty, exists, all, allTrue, anyTrue, allFalse, anyFalse, count, distinct, isDistinct
    // Filtering and projection
    case `where`, select, ofType
    // Subsetting
    case first, last, tail, skip, take, single
    // Combining
    case union, combine, intersect, exclude
    // Boolean, type and utility
    case not, `is`, `as`, iif, trace, hasValue, children, descendants
    // Strings and conversion
    case startsWith, endsWith, contains, matches, replaceMatches, length, substring, lower, upper
    case toString, toInteger
    // FHIR additions
    case `extension`, resolve

    /// The allowed argument counts.
    var arity: ClosedRange<Int> {
        switch self {
        case .empty, .allTrue, .anyTrue, .allFalse, .anyFalse, .count, .distinct, .isDistinct, .first, .last, .tail,
             .single, .not, .hasValue, .children, .descendants, .length, .lower, .upper, .toString, .toInteger, .resolve:
            0...0
        case .exists: 0...1
        case .where, .select, .all, .ofType, .is, .as, .skip, .take, .union, .combine, .intersect, .exclude,
             .startsWith, .endsWith, .contains, .matches, .extension:
            1...1
        case .trace: 1...2
        case .iif: 2...3
        case .replaceMatches: 2...2
        case .substring: 1...2
        }
    }

    /// Whether the single argument is a type name rather than an expression.
    var takesType: Bool {
        switch self {
        case .ofType, .is, .as: true
        default: false
        }
    }
}
