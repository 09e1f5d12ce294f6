import Foundation
import HaloForgeCore
import HaloForgeData
@testable import HaloForgeVerify
import Testing

/// `gcc -std=gnu17 -Wall -Wextra`, nothing waived: the SFT corpus must compile clean under it.
let strictWarningsVerifier: Verifier = {
    var configuration = VerifierConfiguration()
    configuration.warnings = ["-Wall", "-Wextra"]
    do { return try Verifier(configuration: configuration) } catch { fatalError("cannot build the verifier: \(error)") }
}()

/// The built-in C tasks and the SFT format corpus, end to end through the verifier.
@Suite struct BuiltinTasksTests {
    let train = BuiltinTasks.train()
    let heldOut = BuiltinTasks.heldOut()

    static func family(_ task: BenchmarkTask) -> String { task.id.split(separator: "/")[1].description }

    @Test func countsAndShape() {
        #expect(train.count == 48)
        #expect(heldOut.count == 24)
        #expect(BuiltinTasks.all.count == 72)
        let families = Set(BuiltinTasks.all.map(Self.family))
        #expect(families.count == 12)
        for family in families {
            #expect(train.filter { Self.family($0) == family }.count == 4, "\(family)")
            #expect(heldOut.filter { Self.family($0) == family }.count == 2, "\(family)")
        }
        for task in BuiltinTasks.all {
            #expect(task.language == .c)
            #expect(!task.completesPrompt)
            #expect(task.id == "c/\(Self.family(task))/\(task.entryPoint ?? "")")
            #expect(task.entryPoint != nil)
            let name = task.entryPoint ?? "?"
            #expect(task.prompt.hasPrefix("Write a C function `"))
            #expect(task.prompt.contains(" \(name)("))
            #expect(task.prompt.hasSuffix("Reply with the complete C code of the function."))
            #expect(task.prompt.count < 300, "\(task.id): prompt of \(task.prompt.count) characters")
            let test = task.test ?? ""
            let asserts = CHarness.countAsserts(in: test)
            #expect((4...6).contains(asserts), "\(task.id): \(asserts) asserts")
            #expect(test.contains("int main(void)"))
            #expect(task.reference?.contains("\(name)(") == true)
        }
        // Deterministic: a second build is identical.
        #expect(BuiltinTasks.all.map(\.test) == BuiltinTasks.all.map(\.test))
        #expect(BuiltinTasks.all.map(\.prompt) == train.map(\.prompt) + heldOut.map(\.prompt))
    }

    @Test func idsAndPromptsAreUniqueAndSplitsDisjoint() {
        let all = BuiltinTasks.all
        #expect(Set(all.map(\.id)).count == all.count)
        #expect(Set(all.map(\.prompt)).count == all.count)
        #expect(Set(all.compactMap(\.entryPoint)).count == all.count)
        #expect(Set(train.map(\.id)).isDisjoint(with: heldOut.map(\.id)))
        #expect(Set(train.map(\.prompt)).isDisjoint(with: heldOut.map(\.prompt)))
        #expect(Set(train.compactMap(\.test)).isDisjoint(with: heldOut.compactMap(\.test)))
    }

    /// Siblings of a family answer differently somewhere: with their names swapped, no
    /// two harnesses are the same text.
    @Test func harnessesTellSiblingsApart() {
        let all = BuiltinTasks.all
        for task in all {
            for other in all where other.id != task.id && Self.family(other) == Self.family(task) {
                let renamed = (other.test ?? "").replacingOccurrences(of: other.entryPoint! + "(", with: task.entryPoint! + "(")
                #expect(renamed != task.test, "\(task.id) and \(other.id)")
            }
        }
    }

    @Test func everyReferencePasses() async {
        let tasks = BuiltinTasks.all
        let samples = tasks.map { $0.sample(completion: $0.reference ?? "", index: 0) }
        let verdicts = await verifyAll(samples)
        #expect(verdicts.count == tasks.count)
        let failing = verdicts.filter { $0.value.reward != 1.0 }.map { "\($0.key): \($0.value.outcome) \($0.value.detail)" }.sorted()
        #expect(failing.isEmpty, "\(failing.prefix(5))")
        for (_, verdict) in verdicts where verdict.reward == 1.0 {
            #expect((4...6).contains(verdict.testsTotal))
        }
        // As a model would answer: the reference in a ```c fence, after some prose.
        let fenced = tasks.prefix(3).map { $0.sample(completion: "Here it is:\n```c\n\($0.reference ?? "")```\n", index: 1) }
        for (id, verdict) in await verifyAll(fenced) {
            #expect(verdict.reward == 1.0, "\(id): \(verdict.detail)")
        }
    }

    /// Wrong answers: a sibling's reference under this task's name (plausible, compiles,
    /// answers another question), and a function of another name.
    @Test func wrongAnswersDoNotPass() async {
        let all = BuiltinTasks.all
        var samples: [Sample] = []
        var byFamily: [String: [BenchmarkTask]] = [:]
        for task in all { byFamily[Self.family(task), default: []].append(task) }
        for (family, tasks) in byFamily.sorted(by: { $0.key < $1.key }) {
            // Each family: its first task answered with its second task's reference, and
            // its first held-out task answered with its first training task's reference.
            let pairs = [(tasks[0], tasks[1]), (tasks[4], tasks[0])]
            for (i, (task, sibling)) in pairs.enumerated() {
                let code = (sibling.reference ?? "").replacingOccurrences(of: sibling.entryPoint! + "(", with: task.entryPoint! + "(")
                var sample = task.sample(completion: code, index: 0)
                sample.id = "\(family)-\(i): \(sibling.id) as \(task.id)"
                samples.append(sample)
            }
        }
        for task in [train[0], train[20], heldOut[23]] {
            var sample = task.sample(completion: "int f(void) { return 0; }", index: 1)
            sample.id = "f as \(task.id)"
            samples.append(sample)
        }
        let verdicts = await verifyAll(samples)
        #expect(verdicts.count == samples.count)
        for (id, verdict) in verdicts {
            #expect(verdict.reward < 1.0, "\(id): \(verdict.detail)")
            if id.hasPrefix("f as") {
                #expect(verdict.outcome == .syntaxError, "\(id): \(verdict.detail)")
            } else {
                #expect(verdict.outcome == .failedTests, "\(id): \(verdict.outcome) \(verdict.detail)")
                #expect(verdict.reward >= Reward.ran)
            }
        }
    }

    @Test func sftCorpusShape() throws {
        let pairs = try SFTCorpus.pairs()
        #expect((55...75).contains(pairs.count))
        #expect(Set(pairs.map(\.prompt)).count == pairs.count)
        let taskPrompts = Set(BuiltinTasks.all.map(\.prompt))
        let taskNames = Set(BuiltinTasks.all.compactMap(\.entryPoint))
        for pair in pairs {
            #expect(!taskPrompts.contains(pair.prompt))
            #expect(pair.prompt.hasPrefix("Write a C function `"))
            #expect(pair.prompt.hasSuffix("Reply with the complete C code of the function."))
            #expect(pair.completion.hasPrefix("```c\n"))
            #expect(pair.completion.hasSuffix("\n```"))
            #expect(pair.completion.components(separatedBy: "```").count == 3, "one fence only: \(pair.prompt)")
            #expect(pair.completion.count < 700, "\(pair.prompt)")
            // Not a task's solution: no function of the same name.
            let code = CodeExtraction.extract(pair.completion, language: .c)
            for name in taskNames {
                #expect(!code.contains(" \(name)("), "\(pair.prompt) defines task function \(name)")
            }
        }
    }

    @Test func sftCompletionsCompileClean() async throws {
        let samples = try SFTCorpus.pairs().enumerated().map { i, pair in
            Sample(id: "sft-\(i)", language: .c, candidate: .completion(pair.completion, prompt: nil))
        }
        // A control: the strict verifier does flag what the default one waives.
        let control = Sample(
            id: "sft-control", language: .c, candidate: .completion("```c\nint unused_parameter(int x) { return 0; }\n```", prompt: nil))
        var verdicts = await verifyAll(samples + [control], using: strictWarningsVerifier)
        #expect(verdicts.removeValue(forKey: "sft-control")?.outcome == .compiledWithWarnings)
        #expect(verdicts.count == samples.count)
        for (id, verdict) in verdicts.sorted(by: { $0.key < $1.key }) {
            #expect(verdict.outcome == .compiled && verdict.reward == Reward.compiled, "\(id): \(verdict.outcome) \(verdict.detail)")
        }
    }
}

