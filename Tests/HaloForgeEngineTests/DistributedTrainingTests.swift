import HaloForgeEngine
import Testing

/// Which process layouts torchrun can run, without starting one.
@Suite struct DistributedTrainingTests {
    @Test func problemsAreNamedByTheirFlags() {
        #expect(DistributedTraining().problem == nil)
        #expect(!DistributedTraining().isDistributed)
        #expect(DistributedTraining(nproc: 2).isDistributed)
        #expect(DistributedTraining(nproc: 0).problem == "--nproc must be at least 1")
        #expect(DistributedTraining(nnodes: 2, nodeRank: 2, masterPort: 29500).problem == "--node-rank must be in 0..1")
        #expect(DistributedTraining(nnodes: 2).problem == "--nnodes above 1 needs --master-port, the same on every machine")
        #expect(DistributedTraining(nnodes: 2, masterPort: 29500).problem == nil)
        #expect(DistributedTraining(masterPort: 70000).problem == "--master-port must be 1–65535")
        #expect(DistributedTraining(fsdp: true).problem?.hasPrefix("--fsdp shards the model") == true)
    }
}
