internal import Foundation
internal import Synchronization

/// Forwarded C++ test programs already built by one verifier, keyed by what decides them
/// (compiler, flags, the prompt's declaration and helpers, the tests), and the answering
/// objects keyed by signature: they hold no candidate code, so every sample of a prompt in a
/// RAFT cycle runs the same ones and compiles only its own.
final class TestProgramCache: Sendable {
    private let programs = Mutex<(bytes: [String: Data], order: [String])>(([:], []))
    let capacity: Int

    init(capacity: Int = 512) { self.capacity = capacity }

    static func key(compiler: String, flags: [String], entry: CEntryPoint, test: String) -> String {
        ([compiler] + flags + [entry.declaration, entry.prefix, test]).joined(separator: "\u{0}")
    }

    func program(for key: String) -> Data? { programs.withLock { $0.bytes[key] } }

    func store(_ program: Data, for key: String) {
        guard capacity > 0 else { return }
        programs.withLock { cache in
            guard cache.bytes[key] == nil else { return }
            if cache.order.count >= capacity { cache.bytes[cache.order.removeFirst()] = nil }
            cache.bytes[key] = program
            cache.order.append(key)
        }
    }
}
