import ArgumentParser
import HaloForgeEngine
import HaloForgeRAFT

/// Every setting of the command's settings table as a flag named after its key
/// (`--samples-per-prompt 4`), and `--set KEY=VALUE` for a key or an upstream name: the table
/// reads and checks both, so a setting's flag is never declared a second time here.
struct SettingFlags<Config: Configurable>: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Any setting as KEY=VALUE, repeatable (keys and upstream names: `halo-forge config keys`); applied after the other flags.", valueName: "key=value"))
    var assignments: [String] = []
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp(
        "Any setting as a flag: --KEY VALUE, with the key's underscores as dashes (--KEY alone sets true).", discussion: Config.flagsHelp, valueName: "--key value"))
    var flags: [String] = []

    func validate() throws {
        do { _ = try overrides() } catch { throw ValidationError("\(error)") }
    }

    /// The settings' flags, then `--set`.
    func overrides() throws -> Overrides<Config> {
        do { return try Overrides<Config>.parse(flags: flags).merging(try Overrides<Config>.parse(assignments: assignments)) } catch let error as ConfigurationError {
            throw CommandError("\(error)")
        }
    }
}

extension SettingFlags<RAFTConfiguration> {
    /// The RAFT commands' own flags (model, tasks, trackers), then the settings' flags and `--set`.
    func overrides(model: String? = nil, dataset: String? = nil, tasks: TaskOptions? = nil, trackers: TrackerOptions) throws -> RAFTOverrides {
        var o = RAFTOverrides()
        (o.model, o.dataset, o.prompts, o.verifier, o.reportTo) = (model, dataset, tasks?.prompts, tasks?.verifier, trackers.overrides)
        return o.merging(try overrides())
    }
}

/// Flags of commands that train: several processes with torchrun, gradient checkpointing.
struct DistributedOptions: ParsableArguments {
    @Option(help: "Training processes on this machine, run by torchrun with DDP (one per GPU on CUDA; gloo on CPU). Default 1: training runs in the worker.") var nproc: Int = 1
    @Option(help: "With --nproc: machines taking part; each runs the same command with its own --node-rank.") var nnodes: Int = 1
    @Option(help: "With --nnodes: this machine's rank, 0..nnodes-1.") var nodeRank: Int = 0
    @Option(help: "With --nnodes: the address of the rank-0 machine.") var masterAddr: String = "127.0.0.1"
    @Option(help: "With --nproc: the rendezvous port (default: a free one; several machines must give it).") var masterPort: Int?
    @Flag(help: "With --nproc: shard every weight across the processes (FSDP) instead of a whole copy in each (DDP), for a model that does not fit one device.") var fsdp = false
    @Flag(help: "Recompute activations in the backward pass: less memory, about a third slower.") var gradientCheckpointing = false

    /// The training these flags describe (0: a free rendezvous port).
    private var training: DistributedTraining {
        DistributedTraining(nproc: nproc, nnodes: nnodes, nodeRank: nodeRank, masterAddr: masterAddr, masterPort: masterPort ?? 0, fsdp: fsdp)
    }

    func validate() throws {
        if let problem = training.problem { throw ValidationError(problem) }
    }

    /// nil when training stays in the worker.
    var distributed: DistributedTraining? { training.isDistributed ? training : nil }
}

/// The run environment the flags describe.
func environment(trackers: [String], _ generator: GeneratorOptions?, _ distributed: DistributedOptions? = nil) -> RunEnvironment {
    RunEnvironment(
        trackers: trackers, generator: generator?.setup ?? GeneratorSetup(), distributed: distributed?.distributed,
        gradientCheckpointing: distributed?.gradientCheckpointing ?? false)
}
