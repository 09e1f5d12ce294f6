public import Foundation
public import HaloForgeCore
public import HaloForgeData
public import HaloForgeEngine
public import HaloForgeRAFT
public import HaloForgeVerify

// The plumbing every command that runs the model shares: settings layered and stored in the
// run folder, the engine and trackers started and always stopped, tasks resolved. Failures
// come out as one-line `CommandError`s.

/// The settings file's overrides, or none; errors name the file, line and key.
public func fileOverrides<C: Configurable>(_ config: String?, as _: C.Type = RAFTConfiguration.self) throws -> Overrides<C> {
    guard let config else { return Overrides() }
    do { return try Overrides<C>.parse(yaml: try readText(config), file: config) } catch let error as ConfigurationError {
        throw CommandError("\(error)")
    }
}

/// defaults < file < flags, the checkpoint resolved, validated: what a fresh run stores.
public func layeredSettings(
    base: RAFTConfiguration = RAFTConfiguration(), file: RAFTOverrides, flags: RAFTOverrides, source: String?
) throws -> RAFTConfiguration {
    do {
        var settings = try base.applying(file).applying(flags).resolvingCheckpoint(source: source ?? "--flags")
        // Stored absolute, so the run resumes from any folder.
        settings.prompts = settings.prompts.map { URL(fileURLWithPath: $0).path }
        try settings.validate(source: source ?? "--flags")
        return settings
    } catch let error as ConfigurationError {
        throw CommandError("\(error)")
    }
}

/// defaults < file < flags for `sft train`, validated; errors name the source.
public func layeredSFTSettings(config: String?, flags: SFTOverrides) throws -> SFTConfiguration {
    let settings = SFTConfiguration().applying(try fileOverrides(config, as: SFTConfiguration.self)).applying(flags)
    do { try settings.validate(source: config ?? "--flags") } catch let error as ConfigurationError { throw CommandError("\(error)") }
    return settings
}

/// `config validate`: the settings `file` yields as `kind`, printed as YAML; errors name the line and key.
public func checkedSettingsText(_ file: String, kind: SettingsCheck.Kind) throws -> String {
    do { return try SettingsCheck.check(try readText(file), file: file, kind: kind) } catch let error as ConfigurationError { throw CommandError("\(error)") }
}

/// A run folder named after the command and the time, for commands run without --output.
public func defaultRunFolder(_ command: String) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    return "runs/\(command)-\(formatter.string(from: Date()))"
}

/// A run folder's store, or a one-line error.
public func openRun(_ folder: String) throws -> RunStore {
    do { return try RunStore(folder: folder) } catch { throw CommandError("\(folder): \(error)") }
}

/// The run's stored settings when the folder already holds a run (resuming uses what it
/// started with); otherwise `fresh()`, which is then stored.
public func runSettings(_ store: RunStore, fresh: () throws -> RAFTConfiguration) throws -> RAFTConfiguration {
    do {
        if let stored = try store.setting("config") {
            Terminal.note("resuming \(store.folder) with its stored settings")
            return RAFTConfiguration().applying(try RAFTOverrides.parse(yaml: stored, file: store.folder + "/run.sqlite"))
        }
        let settings = try fresh()
        try store.setSetting("config", settings.yaml)
        return settings
    } catch let error as CommandError {
        throw error
    } catch {
        throw CommandError("\(error)")
    }
}

/// The tasks of `source` (a built-in name, or a prompt file or folder) and the verifier choice
/// that judges them, or a one-line error naming what is wrong.
public func resolveTasks(_ source: String, verifier: String?, datasets: String?, seed: Int = 0) throws -> (tasks: TaskSet, choice: VerifierChoice?) {
    do {
        let choice = try verifier.map { try VerifierChoice(parsing: $0) }
        let defaults = TaskDefaults(
            language: choice?.language, testFramework: choice?.testFramework, customLanguages: choice?.customLanguages ?? [])
        let tasks = try TaskResolver.resolve(source, datasets: datasets, defaults: defaults, seed: seed)
        if !tasks.skipped.isEmpty { Terminal.note("\(source): left out \(tasks.skipped.joined(separator: ", "))") }
        return (tasks, choice)
    } catch {
        throw CommandError("\(error)")
    }
}

/// Starts the engine (creating its Python environment on first use), runs `body`, and
/// shuts the worker down whatever happens; failures become one-line command errors.
public func withEngine<T: Sendable>(threads: Int? = nil, _ body: (Engine) async throws -> T) async throws -> T {
    let engine: Engine
    do {
        engine = try Engine.make(threads: threads) { Terminal.note($0) }
        _ = try await engine.start()
    } catch {
        throw CommandError("\(error)")
    }
    do {
        let result = try await body(engine)
        await engine.shutdown()
        return result
    } catch let error as CommandError {
        await engine.shutdown()
        throw error
    } catch {
        await engine.shutdown()
        throw CommandError("\(error)")
    }
}

/// Runs `body` with the worker started and `model` (resolved through the cache) loaded, then
/// shuts the worker down; `body` gets the model's local path.
public func withLoadedEngine<T: Sendable>(
    model: String, adapter: String?, threads: Int?, device: String = "auto", _ body: (Engine, String) async throws -> T
) async throws -> T {
    try await withEngine(threads: threads) { engine in
        if let hello = await engine.worker.hello {
            Terminal.note("worker: torch \(hello.versions["torch"] ?? "?"), transformers \(hello.versions["transformers"] ?? "?"), device \(hello.device)")
        }
        let path = try await ModelCache.resolve(model, engine: engine) { Terminal.note($0) }
        let loaded = try await engine.load(model: path, adapter: adapter, device: device)
        Terminal.note("model: \(path) (\(loaded.parameters) parameters, \(loaded.dtype) on \(loaded.device))")
        return try await body(engine, path)
    }
}

/// Runs `body` with the trackers started under `runFolder/trackers` (or none when `trackers` is
/// empty) and closes them whatever happens; a tracker that cannot start stops the command here.
public func withTrackers<T: Sendable>(
    _ trackers: [String], runFolder: String, settings: [String: JSONValue], _ body: (any MetricsSink) async throws -> T
) async throws -> T {
    guard !trackers.isEmpty else { return try await body(NoMetrics()) }
    let reporter: TrackerReporter
    do {
        let environment = try PythonEnvironment.prepare { Terminal.note($0) }
        let name = URL(fileURLWithPath: runFolder).standardizedFileURL.lastPathComponent
        reporter = try await TrackerReporter.start(
            trackers, folder: runFolder + "/trackers", name: name, environment: environment) { Terminal.note($0) }
    } catch {
        throw CommandError("\(error)")
    }
    Terminal.note("trackers: " + reporter.locations.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", "))
    reporter.settings(settings)
    do {
        let result = try await body(reporter)
        await reporter.close()
        return result
    } catch {
        await reporter.close()
        throw error
    }
}

/// How a run's model is driven besides its RAFT settings: trackers, the sampling engine, several
/// training processes.
public struct RunEnvironment: Sendable {
    public var trackers: [String] = []
    public var generator = GeneratorSetup()
    public var distributed: DistributedTraining?
    public var gradientCheckpointing = false

    public init(trackers: [String] = [], generator: GeneratorSetup = GeneratorSetup(), distributed: DistributedTraining? = nil, gradientCheckpointing: Bool = false) {
        (self.trackers, self.generator, self.distributed, self.gradientCheckpointing) = (trackers, generator, distributed, gradientCheckpointing)
    }

    /// Trackers, then the engine (distributed as asked), then the generator (vLLM started on the
    /// run's model when asked) around `body`; each is stopped on every way out.
    public func run<T: Sendable>(
        folder: String, settings: RAFTConfiguration, _ body: (Engine, (any Generator)?, any MetricsSink) async throws -> T
    ) async throws -> T {
        try await withTrackers(trackers, runFolder: folder, settings: settings.hyperparameters) { metrics in
            try await withEngine(threads: settings.threads) { engine in
                await engine.setDistributed(distributed, gradientCheckpointing: gradientCheckpointing)
                let model = generator.engine == .vllm ? try await ModelCache.resolve(settings.model, engine: engine) { Terminal.note($0) } : settings.model
                return try await generator.withGenerator(engine: engine, model: model, dtype: settings.dtype, loraRank: settings.loraRank) { remote in
                    try await body(engine, remote, metrics)
                }
            }
        }
    }
}

/// RAFT cycles on `tasks` into the run `store`, as `raft train` runs them; the cycles' table is printed.
public enum RAFTRun {
    public static func train(
        _ settings: RAFTConfiguration, store: RunStore, tasks: [BenchmarkTask], verifier: Verifier, jobs: Int, environment: RunEnvironment
    ) async throws {
        let cycles = try await environment.run(folder: store.folder, settings: settings) { engine, generator, metrics in
            try await RAFTLoop(configuration: settings, store: store, engine: engine, verifier: verifier, tasks: tasks, jobs: jobs, generator: generator) {
                Terminal.note($0)
            }.run(afterCycle: { _ in try metrics.replay(store) })
        }
        print("cycle  compile  pass    reward  kept  loss")
        for c in cycles {
            let m = c.metrics
            print(String(format: "%5d  %6.1f%%  %5.1f%%  %6.3f  %4d  %.4f", c.cycle + 1, 100 * (m["compile_rate"]?.doubleValue ?? 0),
                         100 * (m["pass_rate"]?.doubleValue ?? 0), m["mean_reward"]?.doubleValue ?? 0, m["kept"]?.intValue ?? 0, m["loss"]?.doubleValue ?? 0))
        }
        print("run: \(store.folder) (samples: \(store.folder)/samples.jsonl)")
    }
}

extension RAFTRun {
    /// The tasks `raft train` trains on: a prompt file whole, the built-in C tasks' training split
    /// (their held-out split stays for benchmarks), any other set whole; the first `limit` when above 0.
    public static func tasks(_ run: OpenedRun, limit: Int) -> [BenchmarkTask] {
        let all = run.settings.prompts == nil && run.settings.dataset == TaskResolver.builtinC ? run.tasks.train : run.tasks.tasks
        return limit > 0 ? Array(all.prefix(limit)) : all
    }
}

/// A run folder opened for `raft train` or `benchmark full`: a resumed run keeps the settings it
/// stored; a fresh run stores `fresh()` only once its tasks have read without error, so a bad
/// file never poisons the folder.
public struct OpenedRun {
    public var store: RunStore
    public var settings: RAFTConfiguration
    public var tasks: TaskSet
    public var choice: VerifierChoice?

    /// `resuming`: the folder must already hold a run.
    public init(folder: String, resuming: Bool = false, datasets: String?, fresh: () throws -> RAFTConfiguration) throws {
        if resuming, !FileManager.default.fileExists(atPath: folder + "/run.sqlite") { throw CommandError("\(folder) holds no run to resume") }
        store = try openRun(folder)
        if resuming, try store.setting("config") == nil { throw CommandError("\(folder) holds no run to resume") }
        var resolved: (tasks: TaskSet, choice: VerifierChoice?)?
        settings = try runSettings(store) {
            let settings = try fresh()
            resolved = try resolveTasks(settings.prompts ?? settings.dataset, verifier: settings.verifier, datasets: datasets)
            return settings
        }
        let settings = settings
        (tasks, choice) = try resolved ?? resolveTasks(settings.prompts ?? settings.dataset, verifier: settings.verifier, datasets: datasets)
    }

    /// The run of `raft train` or `benchmark full`: `config`'s settings under `flags`, over
    /// `base`, in `resume` or `output`, else the file's output, else a new COMMAND-TIME folder
    /// (printed).
    public init(
        command: String, config: String?, flags: RAFTOverrides, output: String?, resume: String? = nil, base: RAFTConfiguration = RAFTConfiguration(),
        datasets: String?
    ) throws {
        let file: RAFTOverrides = try fileOverrides(config)
        let folder = resume ?? output ?? file.output ?? defaultRunFolder(command)
        if resume == nil, output == nil { Terminal.note("run folder: \(folder)") }
        try self.init(folder: folder, resuming: resume != nil, datasets: datasets) {
            try layeredSettings(base: base, file: file, flags: flags, source: config)
        }
    }
}
