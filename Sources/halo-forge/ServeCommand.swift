import ArgumentParser
import HaloForgeEngine
import HaloForgeServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model (and adapter) over an OpenAI-compatible HTTP API.",
        discussion: """
            Endpoints: GET /v1/models, POST /v1/completions (prompt: a string or a list), POST
            /v1/chat/completions (messages through the tokenizer's chat template), with n,
            temperature, top_p, max_tokens, stop and seed; and POST /v1/halo-forge/adapter
            {"adapter": FOLDER|null} to load another LoRA adapter (RAFT with --generator-reload).
            Requests queue at the one model worker. No streaming. Ctrl-C lets requests in flight
            finish (up to 5 s) and stops the worker.
            """)

    @OptionGroup var engineOptions: EngineOptions
    @Option(help: "Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every IPv4 interface).") var host: String = "127.0.0.1"
    @Option(help: "TCP port (0: a free one, printed on start).") var port: Int = 8000
    @Option(help: "The model name clients send and /v1/models lists (default: --model as given).") var servedModelName: String?

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        try await engineOptions.withLoadedEngine { engine, path in
            let settings = OpenAIServer.Settings(
                modelName: servedModelName ?? engineOptions.model ?? path, modelPath: path, device: engineOptions.device, host: host, port: port)
            let server: OpenAIServer
            do { server = try OpenAIServer(engine: engine, settings: settings) { Terminal.note($0) } } catch { throw CommandError("\(error)") }
            try await serveInForeground(
                "server", host: host, port: port, run: { try await server.run() }, boundPort: { try await server.port() },
                stop: { await server.stop(timeout: 5) }, ready: { address in "serving \(settings.modelName) at \(address)/v1" })
            Terminal.note("stopped")
        }
    }
}
