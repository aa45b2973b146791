import COpenSSL

/// Comparison of secrets whose duration does not depend on where they differ
/// (`CRYPTO_memcmp`), so an attacker timing answers cannot find a stored digest byte by byte.
public enum ConstantTime {
    /// Whether `left` and `right` hold the same bytes. Lengths are compared first (a length is
    /// not secret); equal-length contents are compared in time that depends only on the length.
    public static func equal(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        return left.withUnsafeBytes { left in
            right.withUnsafeBytes { right in
                CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
            }
        }
    }
}
