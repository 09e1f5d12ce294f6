import ArgumentParser
import HaloForgeEngine

/// Flags shared by commands that use the model engine.
struct EngineOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "Model: a local folder, a Hugging Face id, or a cached name (tiny, smollm2).") var model: String?
    @Option(help: "A LoRA adapter folder (PEFT format) to load on the model.") var adapter: String?
    @Option(help: "torch threads (default: torch's choice, one per core).") var threads: Int?
    @Option(help: "Device: auto, cpu, cuda or mps.") var device: String = "auto"

    /// Runs `body` with the worker started and the model loaded, then shuts the worker down.
    func withLoadedEngine<T: Sendable>(_ body: (Engine, String) async throws -> T) async throws -> T {
        guard let model, !model.isEmpty else {
            // No command falls back to a toy model unasked.
            throw CommandError("give --model: a model folder, a Hugging Face id, or tiny / smollm2")
        }
        return try await HaloForgePipeline.withLoadedEngine(model: model, adapter: adapter, threads: threads, device: device, body)
    }
}
