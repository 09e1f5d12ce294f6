public import Foundation

/// Runs a server in the foreground (`serve`, `dashboard`) until it ends or SIGINT/SIGTERM asks
/// it to `stop`: `run` serves, `boundPort` waits until it listens, and the line `ready` makes of
/// its address ("http://HOST:PORT") goes straight to standard output, where scripts and tests
/// wait for it. `name` names the server in errors.
public func serveInForeground(
    _ name: String, host: String, port: Int,
    run: @escaping @Sendable () async throws -> Void,
    boundPort: () async throws -> Int,
    stop: @escaping @Sendable () async -> Void,
    ready: (_ address: String) -> String
) async throws {
    let stopper = SignalStopper(stop)
    defer { stopper.cancel() }
    let serving = Task { try await run() }
    let bound: Int
    do { bound = try await boundPort() } catch {
        serving.cancel()
        throw CommandError("cannot listen on \(host):\(port): \(error)")
    }
    let shown = host.contains(":") ? "[\(host)]" : host
    FileHandle.standardOutput.write(Data((ready("http://\(shown):\(bound)") + "\n").utf8))
    do { try await serving.value } catch {
        // Idle keep-alive connections are cut when the grace period ends: that is a normal stop.
        if !stopper.fired { throw CommandError("\(name) on \(host):\(bound): \(error)") }
    }
}
