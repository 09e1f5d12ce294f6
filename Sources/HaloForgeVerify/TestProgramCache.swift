internal import Foundation
internal import Synchronization

/// Forwarded C++ test programs already built by one verifier, keyed by what decides them
/// (compiler, flags, the prompt's declaration and helpers, the tests), and the answering
/// objects keyed by signature: they hold no candidate code, so every sample of a prompt in a
/// RAFT cycle runs the same ones and compiles only its own. With a build cache they outlive
/// the process: a later run of the same tasks compiles only the candidates.
final class TestProgramCache: Sendable {
    private let programs = Mutex<(bytes: [String: Data], order: [String])>(([:], []))
    let capacity: Int
    let disk: BuildCache?

    init(capacity: Int = 512, disk: BuildCache? = nil) {
        self.capacity = capacity
        self.disk = disk
    }

    static func key(compiler: String, flags: [String], entry: CEntryPoint, test: String) -> String {
        ([compiler] + flags + [entry.declaration, entry.prefix, test]).joined(separator: "\u{0}")
    }

    func program(for key: String) -> Data? {
        if let known = programs.withLock({ $0.bytes[key] }) { return known }
        guard let stored = disk?.data(for: key) else { return nil }
        remember(stored, for: key)
        return stored
    }

    func store(_ program: Data, for key: String) {
        remember(program, for: key)
        disk?.store(program, for: key)
    }

    private func remember(_ program: Data, for key: String) {
        guard capacity > 0 else { return }
        programs.withLock { cache in
            guard cache.bytes[key] == nil else { return }
            if cache.order.count >= capacity { cache.bytes[cache.order.removeFirst()] = nil }
            cache.bytes[key] = program
            cache.order.append(key)
        }
    }
}
