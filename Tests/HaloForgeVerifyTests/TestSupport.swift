import Foundation
import HaloForgeCore
import HaloForgeSandbox
@testable import HaloForgeVerify

/// One verifier for the suite: a short CPU limit so attack tests end quickly, a wall limit
/// generous enough for a loaded CI machine (pytest alone starts in about a second; beside
/// the MinGW suite's cross-compiles it once took over 10 s).
let verifier: Verifier = {
    var configuration = VerifierConfiguration()
    configuration.runLimits = Limits(wallSeconds: 20, cpuSeconds: 3, memoryMiB: 512)
    configuration.customLanguages = [
        CustomLanguage(name: "shell", fileExtension: "sh", compile: "sh -n {file}", run: "sh {file}"),
        CustomLanguage(name: "noisy", fileExtension: "txt", compile: "sh -c 'echo warning: odd style in {file}'", run: "cat {file}"),
    ]
    do { return try Verifier(configuration: configuration) } catch { fatalError("cannot build the verifier: \(error)") }
}()

/// Default limits, as users get them: for the reference solutions of the datasets.
let datasetVerifier: Verifier = {
    do { return try Verifier() } catch { fatalError("cannot build the verifier: \(error)") }
}()

/// A verifier that runs samples without tests.
let runningVerifier: Verifier = {
    var configuration = VerifierConfiguration()
    configuration.runLimits = Limits(wallSeconds: 20, cpuSeconds: 3, memoryMiB: 512)
    configuration.runWithoutTests = true
    do { return try Verifier(configuration: configuration) } catch { fatalError("cannot build the verifier: \(error)") }
}()

/// Admits as many verifications at once as the machine has cores, as the real pool
/// does: the test runner starts every test at once, and time limits would fire.
actor Slots {
    static let shared = Slots(ProcessInfo.processInfo.activeProcessorCount)
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = count }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

func verify(
    _ language: Language, _ code: String, test: String? = nil, entryPoint: String? = nil, io: [IOCase] = [],
    framework: TestFramework = .asserts, using: Verifier = verifier
) async -> Verdict {
    await verify(
        Sample(id: "t", language: language, candidate: .code(code), test: test, entryPoint: entryPoint, io: io, testFramework: framework),
        using: using)
}

func verify(_ sample: Sample, using: Verifier = verifier) async -> Verdict {
    await Slots.shared.acquire()
    let verdict = await using.verify(sample)
    await Slots.shared.release()
    return verdict
}

/// Verifies every sample through the pool, all at once unless `slots` (then each holds one of
/// the machine's slots, as `verify` does), and keys the verdicts by sample id.
func verifyAll(_ samples: [Sample], using verifier: Verifier = datasetVerifier, slots: Bool = true) async -> [String: Verdict] {
    let verdicts = slots
        ? await Slotted(verifier: verifier).verifyAll(samples, jobs: max(1, samples.count))
        : await verifier.verifyAll(samples, jobs: max(1, samples.count))
    return Dictionary(zip(samples.map(\.id), verdicts)) { _, last in last }
}

/// A verifier whose every verification waits for a slot.
struct Slotted: SampleVerifier {
    let verifier: Verifier

    func verify(_ sample: Sample) async -> Verdict {
        await HaloForgeVerifyTests.verify(sample, using: verifier)
    }
}

let cTwiceTest = """
    #include <assert.h>
    int main() {
        assert(twice(2) == 4);
        assert(twice(0) == 0);
        assert(twice(-3) == -6);
    }
    """

let pyCheck = """
    def check(candidate):
        assert candidate(2) == 4
        assert candidate(0) == 0
        assert candidate(-3) == -6
    """
