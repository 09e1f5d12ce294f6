public import HaloForgeCore

/// Anything that judges one sample: the `Verifier`, or a stand-in in tests.
public protocol SampleVerifier: Sendable {
    func verify(_ sample: Sample) async -> Verdict
}

extension Verifier: SampleVerifier {}

/// One finished sample, as the pool reports it.
public struct VerificationProgress: Sendable {
    /// The sample's place in the input.
    public var index: Int
    public var verdict: Verdict
    /// Samples finished so far, this one included, and how many there are.
    public var done: Int
    public var total: Int
}

extension SampleVerifier {
    /// Verifies `samples`, at most `jobs` at a time: the one verification loop of verify,
    /// benchmarks, RAFT, `bench` and data generation. `progress` sees each sample as it finishes
    /// (on the caller's task, so it may write to a store or a terminal); an error it throws
    /// stops the pool once the samples in flight have finished. Verdicts come back in input
    /// order; a sample not started because the task was cancelled gets an `error` verdict.
    public func verifyAll<Failure: Error>(
        _ samples: [Sample], jobs: Int, progress: (VerificationProgress) throws(Failure) -> Void
    ) async throws(Failure) -> [Verdict] {
        var verdicts = [Verdict?](repeating: nil, count: samples.count)
        var done = 0
        try await Pool.run(
            samples, jobs: jobs, body: { await self.verify($0) },
            completed: { (index, verdict) throws(Failure) in
                verdicts[index] = verdict
                done += 1
                try progress(VerificationProgress(index: index, verdict: verdict, done: done, total: samples.count))
            })
        return verdicts.map { $0 ?? Verdict.cancelled }
    }

    /// `verifyAll` without progress.
    public func verifyAll(_ samples: [Sample], jobs: Int) async -> [Verdict] {
        await verifyAll(samples, jobs: jobs) { _ in }
    }
}

extension Verdict {
    /// A sample the pool never started: its task was cancelled.
    public static let cancelled = Verdict(reward: 0, outcome: .error, detail: "not verified: cancelled before it started")
}
