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
        #expect(heldOut.count == 96)
        #expect(BuiltinTasks.all.count == 144)
        let families = Set(BuiltinTasks.all.map(Self.family))
        #expect(families.count == 12)
        for family in families {
            #expect(train.filter { Self.family($0) == family }.count == 4, "\(family)")
            #expect(heldOut.filter { Self.family($0) == family }.count == 8, "\(family)")
            #expect(heldOut.prefix(24).filter { Self.family($0) == family }.count == 2, "\(family)")
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

    /// Runs before the held-out set grew measured on its first 24 tasks, after training on
    /// these 48: both stay as they were, in order, so that old and new results compare.
    @Test func earlierTasksKeepTheirPlaces() {
        let trainNames = """
            sum_to_n sum_squares sum_odd_upto sum_multiples_of_3 digit_sum digit_count count_sevens largest_digit
            factorial is_prime count_divisors fibonacci gcd power_mod_1000 binomial int_power
            count_one_bits binary_digit_count octal_digit_sum hex_digit_count array_sum array_max count_above_10 count_even
            index_of_max index_of_first_negative index_of_first_even index_of_last_zero
            is_sorted all_positive has_duplicate is_strictly_increasing reverse_array rotate_left zero_negatives square_each
            string_length count_vowels count_digits count_words is_palindrome all_digits has_adjacent_repeat starts_with_upper
            reverse_string to_upper replace_spaces shift_letters_1
            """
        let firstHeldOutNames = """
            sum_cubes sum_multiples_of_7 digit_product reverse_digits sum_divisors tribonacci lcm power_mod_97
            ternary_digit_sum base5_digit_count array_min sum_of_negatives index_of_min index_of_last_negative
            is_sorted_descending all_even rotate_right cap_at_10 count_uppercase count_spaces all_lowercase ends_with_digit
            to_lower shift_letters_13
            """
        #expect(train.compactMap(\.entryPoint) == trainNames.split(whereSeparator: \.isWhitespace).map(String.init))
        #expect(heldOut.prefix(24).compactMap(\.entryPoint) == firstHeldOutNames.split(whereSeparator: \.isWhitespace).map(String.init))
    }

    @Test func idsAndPromptsAreUniqueAndSplitsDisjoint() {
        let all = BuiltinTasks.all
        #expect(Set(all.map(\.id)).count == all.count)
        #expect(Set(all.map(\.prompt)).count == all.count)
        #expect(Set(all.compactMap(\.entryPoint)).count == all.count)
        #expect(Set(train.map(\.id)).isDisjoint(with: heldOut.map(\.id)))
        #expect(Set(train.compactMap(\.entryPoint)).isDisjoint(with: heldOut.compactMap(\.entryPoint)))
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

    /// A function that does nothing, under the task's own signature, compiles and fails: every
    /// harness checks some value that 0, or an array or string left as it was, does not give.
    @Test func doNothingBodiesFail() async {
        let samples = BuiltinTasks.all.map { task in
            let signature = task.prompt.split(separator: "`")[1]
            let body = signature.hasPrefix("void ") ? "{\n}\n" : "{\n    return 0;\n}\n"
            return task.sample(completion: signature + " " + body, index: 0)
        }
        let verdicts = await verifyAll(samples)
        #expect(verdicts.count == samples.count)
        for (id, verdict) in verdicts.sorted(by: { $0.key < $1.key }) {
            #expect(verdict.outcome == .failedTests, "\(id): \(verdict.outcome) \(verdict.detail)")
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

