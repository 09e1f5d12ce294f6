internal import Foundation

/// The unbiased pass@k estimator of Chen et al. (2021): with n samples of which c are
/// correct, 1 - C(n-c, k) / C(n, k), computed as a product so it never overflows.
public enum PassAtK {
    /// The values of k in a comma-separated list such as "1,5,10"; what is no positive integer is left out.
    public static func ks(parsing text: String) -> [Int] {
        text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
    }

    public static func estimate(n: Int, c: Int, k: Int) -> Double {
        precondition(n >= 0 && c >= 0 && c <= n && k >= 1, "pass@k needs 0 <= c <= n and k >= 1")
        if c == 0 { return 0.0 }
        if n - c < k { return 1.0 }
        var failAll = 1.0
        for i in (n - c + 1)...n {
            failAll *= 1.0 - Double(k) / Double(i)
        }
        return 1.0 - failAll
    }

    /// The mean over problems of pass@k; problems with fewer than k samples are skipped.
    public static func mean(_ counts: [(n: Int, c: Int)], k: Int) -> Double? {
        let eligible = counts.filter { $0.n >= k }
        guard !eligible.isEmpty else { return nil }
        return eligible.map { estimate(n: $0.n, c: $0.c, k: k) }.reduce(0, +) / Double(eligible.count)
    }
}
