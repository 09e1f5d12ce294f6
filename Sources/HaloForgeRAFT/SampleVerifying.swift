public import HaloForgeCore
public import HaloForgeVerify

/// Something that verifies RAFT's samples: the verifier pool, or a stand-in in tests.
public protocol SampleVerifying: Sendable {
    /// Verifies `samples`, at most `jobs` at a time. `verified` gets each sample's position in
    /// `samples` and its verdict as soon as it lands, one call at a time, so a run stores every
    /// verdict at once and a kill loses only the samples still in flight; an error it throws
    /// stops the verification.
    func verify(_ samples: [Sample], jobs: Int, verified: @escaping @Sendable (Int, Verdict) throws -> Void) async throws
}

extension Verifier: SampleVerifying {
    /// The one verification pool; samples it never started (cancelled) are not reported, so
    /// they stay unverified in the store.
    public func verify(_ samples: [Sample], jobs: Int, verified: @escaping @Sendable (Int, Verdict) throws -> Void) async throws {
        _ = try await verifyAll(samples, jobs: jobs) { progress in try verified(progress.index, progress.verdict) }
    }
}
