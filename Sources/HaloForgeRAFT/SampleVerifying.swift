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
    public func verify(_ samples: [Sample], jobs: Int, verified: @escaping @Sendable (Int, Verdict) throws -> Void) async throws {
        try await withThrowingTaskGroup(of: (Int, Verdict).self) { group in
            var next = 0
            func add() {
                guard next < samples.count else { return }
                let (index, sample) = (next, samples[next])
                group.addTask { (index, await self.verify(sample)) }
                next += 1
            }
            for _ in 0..<max(1, jobs) { add() }
            while let (index, verdict) = try await group.next() {
                try verified(index, verdict)
                add()
            }
        }
    }
}
