internal import Foundation
internal import HaloForgeCore

/// Verdicts already reached by one verifier, keyed by everything that decides them: the code
/// as verified, its language, tests, entry point, framework, I/O cases and prompt. The
/// verifier's flags, limits and toolchain are fixed for its life, so they need no place in
/// the key. A RAFT cycle samples the same completion many times; each repeat costs nothing.
/// Verdicts that depend on the moment (a time limit, a sandbox error) are not kept.
actor VerdictCache {
    private var verdicts: [String: Verdict] = [:]
    private var order: [String] = []
    private var start = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    static func key(_ sample: Sample, source: String) -> String {
        var parts = [sample.language.description, source, sample.test ?? "\u{1}", sample.entryPoint ?? "\u{1}"]
        parts.append(sample.testFramework.rawValue)
        parts.append(PythonVerifier.prompt(of: sample) ?? "\u{1}")
        for io in sample.io { parts += [io.stdin, io.stdout] }
        return parts.joined(separator: "\u{0}")
    }

    func verdict(for key: String) -> Verdict? {
        guard var verdict = verdicts[key] else { return nil }
        verdict.compileSeconds = 0
        verdict.runSeconds = 0
        return verdict
    }

    func store(_ verdict: Verdict, for key: String) {
        guard capacity > 0, verdict.outcome != .error, verdict.outcome != .timedOut, verdicts[key] == nil else { return }
        if verdicts.count >= capacity {
            verdicts[order[start]] = nil  // the oldest goes first
            start += 1
            if start > capacity {
                order.removeFirst(start)
                start = 0
            }
        }
        verdicts[key] = verdict
        order.append(key)
    }

    func removeAll() {
        verdicts = [:]
        order = []
        start = 0
    }
}
