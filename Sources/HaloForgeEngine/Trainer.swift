internal import Foundation
public import HaloForgeCore

/// Something that fine-tunes the model RAFT samples from: the local engine (the worker), or a
/// stand-in in tests.
public protocol Trainer: Sendable {
    /// Loads `model` (a folder, or a cached name such as `tiny`, fetched on first use) with
    /// `adapter` on top: the model every later `train` call fine-tunes.
    func prepare(model: String, adapter: String?, dtype: String, device: String, threads: Int?, log: @escaping @Sendable (String) -> Void) async throws

    /// Trains on `examples`, saves the result to `saveTo` and reports each step to `progress`.
    func train(_ examples: [(prompt: String, completion: String)], _ p: TrainingParameters, saveTo: String?, progress: Worker.Progress?) async throws -> TrainingResult
}

extension Engine: Trainer {
    public func prepare(model: String, adapter: String?, dtype: String, device: String, threads: Int?, log: @escaping @Sendable (String) -> Void) async throws {
        let path = try await ModelCache.resolve(model, engine: self, log: log)
        try await load(model: path, adapter: adapter, dtype: dtype, device: device, threads: threads)
    }
}
