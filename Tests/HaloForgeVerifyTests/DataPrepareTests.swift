import Foundation
import HaloForgeCore
import HaloForgeData
@testable import HaloForgeVerify
import Testing

/// `data prepare` on the shared sets: the counts, splits that never overlap, prompts that name
/// the function under test, and prepared references that verify to 1.0 (a subset here; the
/// whole sets are verified by DatasetAcceptanceTests and scripts/verify-datasets.sh).
@Suite(.serialized) struct DataPrepareTests {
    let folder = Datasets.defaultFolder()

    func prepared(_ name: String) throws -> [PreparedRecord] {
        try Prepare.records(source: name, datasets: folder)
    }

    @Test(arguments: [("humaneval", 164), ("mbpp", 974), ("mbpp-sanitized", 427), ("humaneval-x-cpp", 164), ("codeforces", 500)])
    func countsAndDisjointSplits(name: String, count: Int) throws {
        let records = try prepared(name)
        #expect(records.count == count)
        #expect(Set(records.map(\.id)).count == count, "ids are unique")
        let train = Set(records.filter { $0.split == .train }.map(\.id))
        let heldOut = Set(records.filter { $0.split == .heldOut }.map(\.id))
        #expect(train.isDisjoint(with: heldOut) && train.count + heldOut.count == count)
        #expect(!train.isEmpty && !heldOut.isEmpty)
        #expect(records.allSatisfy { !$0.prompt.isEmpty && $0.reference != nil })
        #expect(records.allSatisfy { $0.hasTests } == (name != "codeforces"))
        // the same split every time
        #expect(try prepared(name).map(\.split) == records.map(\.split))
    }

    @Test func mbppKeepsItsPublishedRanges() throws {
        for name in ["mbpp", "mbpp-sanitized"] {
            for record in try prepared(name) {
                let number = Int(record.id.split(separator: "/").last!)!
                #expect((record.split == .heldOut) == (11...510).contains(number), "\(record.id)")
            }
        }
    }

    @Test func mbppPromptsNameTheFunctionTheTestsCall() throws {
        for name in ["mbpp", "mbpp-sanitized"] {
            let records = try prepared(name)
            let missing = records.filter { record in
                let called = calledFunction(record.test ?? "")
                return called == nil || !record.prompt.contains(called!)
            }
            #expect(missing.isEmpty, "\(name): \(missing.prefix(3).map(\.id))")
        }
    }

    /// The first name called in an assert of the test (`assert f(...)`, `assert set(f(...))`).
    func calledFunction(_ test: String) -> String? {
        let wrappers: Set = ["set", "sorted", "round", "int", "float", "abs", "math", "isclose", "str", "list", "tuple"]
        guard let line = test.split(separator: "\n").first(where: { $0.hasPrefix("assert") }) else { return nil }
        var name = ""
        for ch in line.dropFirst("assert".count).replacingOccurrences(of: " (", with: "(") {
            if ch.isLetter || ch.isNumber || ch == "_" {
                name.append(ch)
            } else if ch == "(" && !name.isEmpty && !wrappers.contains(name) {
                return name
            } else {
                name = ""
            }
        }
        return nil
    }

    @Test func humanEvalXNamesTheProblemsThatNeedLibraries() throws {
        let records = try prepared("humaneval-x-cpp")
        let needing = records.filter { !$0.requires.isEmpty }.map { "\($0.id):\($0.requires.joined())" }
        #expect(needing.sorted() == ["CPP/137:boost", "CPP/162:openssl", "CPP/22:boost"])
        let (samples, skipped, _) = Prepare.referenceSamples(records)
        // OpenSSL is never linked; Boost is skipped only where its headers are missing
        #expect(skipped.contains { $0.hasPrefix("CPP/162 (needs OpenSSL") })
        #expect(samples.count + skipped.count == 164)
    }

    /// Every 12th record of each set with tests: the prepared reference verifies to 1.0.
    @Test(arguments: ["humaneval", "mbpp", "mbpp-sanitized", "humaneval-x-cpp"])
    func preparedReferencesVerify(name: String) async throws {
        let records = try prepared(name).enumerated().filter { $0.offset % 12 == 0 }.map(\.element)
        let (samples, _, withoutReference) = Prepare.referenceSamples(records)
        #expect(withoutReference == 0 && samples.count >= records.count - 1)
        let failing = await withTaskGroup(of: String?.self) { group in
            for sample in samples {
                group.addTask {
                    let verdict = await verify(sample, using: datasetVerifier)
                    return verdict.reward == 1.0 ? nil : "\(sample.id): \(verdict.outcome) \(verdict.detail.prefix(200))"
                }
            }
            return await group.compactMap { $0 }.reduce(into: []) { $0.append($1) }
        }
        #expect(failing.isEmpty, "\(failing)")
    }

    /// References that return an `re.Match` for the asserts to truth-test.
    @Test func sanitizedReferencesReturningMatchObjectsPass() async throws {
        let ids: Set = ["MBPP-S/737", "MBPP-S/787", "MBPP-S/794"]
        let (samples, _, _) = Prepare.referenceSamples(try prepared("mbpp-sanitized").filter { ids.contains($0.id) })
        #expect(samples.count == 3)
        for sample in samples {
            let verdict = await verify(sample, using: datasetVerifier)
            #expect(verdict.reward == 1.0, "\(sample.id): \(verdict.detail)")
        }
    }

    @Test func trainingPairsAskForTheReference() throws {
        let mbpp = try prepared("mbpp").first { $0.id == "MBPP/601" }!
        let pair = try #require(mbpp.trainingPair)
        #expect(pair.prompt == mbpp.prompt)
        #expect(pair.completion.hasPrefix("```python\n") && pair.completion.hasSuffix("```") && !pair.completion.contains("\r"))
        let humaneval = try prepared("humaneval").first!
        #expect(humaneval.trainingPair?.completion == humaneval.reference, "completion-style: the continuation as is")
    }

    func temporaryFolder(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/hf-data-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func userFilesAndDatasetFolders() throws {
        let dir = try temporaryFolder("user")
        // prepared records without a split get the seeded one; a given split is kept
        var lines: [String] = []
        for i in 0..<20 {
            lines.append(#"{"id":"t\#(i)","language":"python","prompt":"Write f\#(i).","test":"assert f\#(i)() == \#(i)","reference":"def f\#(i)():\n    return \#(i)\n"}"#)
        }
        lines.append(#"{"id":"kept","language":"c","prompt":"Write main.","split":"held_out","reference":"int main(void) { return 0; }\n"}"#)
        try lines.joined(separator: "\n").write(toFile: dir + "/mine.jsonl", atomically: true, encoding: .utf8)
        let mine = try Prepare.records(source: dir + "/mine.jsonl", datasets: folder)
        #expect(mine.count == 21 && mine.allSatisfy { $0.dataset == "mine" })
        #expect(mine.last!.split == .heldOut && mine.last!.language == .c)
        #expect(mine.filter { $0.split == .heldOut }.count == 6)  // 25 % of 20, plus the one given

        // a Hugging Face style folder: data/*.jsonl in MBPP's layout, a .json array, metadata ignored
        try FileManager.default.createDirectory(atPath: dir + "/hf/data", withIntermediateDirectories: true)
        let mbpp = try String(contentsOfFile: folder + "/mbpp.jsonl", encoding: .utf8).split(separator: "\n")
        try mbpp.prefix(15).joined(separator: "\n").write(toFile: dir + "/hf/data/train-00000.jsonl", atomically: true, encoding: .utf8)
        try ("[" + mbpp[15..<20].joined(separator: ",") + "]").write(toFile: dir + "/hf/data/extra.json", atomically: true, encoding: .utf8)
        try #"{"features": {}}"#.write(toFile: dir + "/hf/dataset_info.json", atomically: true, encoding: .utf8)
        let hf = try Prepare.records(source: dir + "/hf", datasets: folder)
        #expect(hf.count == 20 && hf.allSatisfy { $0.language == .python && $0.test != nil && $0.prompt.contains("assert") })
        #expect(hf.filter { $0.split == .heldOut }.map(\.id).sorted() == (11...20).map { "MBPP/\($0)" }.sorted(), "MBPP ids keep MBPP's ranges")

        try FileManager.default.createDirectory(atPath: dir + "/pq", withIntermediateDirectories: true)
        try "x".write(toFile: dir + "/pq/train.parquet", atomically: true, encoding: .utf8)
        #expect { try Prepare.records(source: dir + "/pq", datasets: folder) } throws: { "\($0)".contains("Parquet") }

        try (lines[0] + "\n{\"id\": 3, \"language\": \"rust\", \"prompt\": \"x\"}\n").write(toFile: dir + "/bad.jsonl", atomically: true, encoding: .utf8)
        #expect { try Prepare.records(source: dir + "/bad.jsonl", datasets: folder) } throws: { "\($0)".contains("bad.jsonl: line 2: field 'language'") }
    }
}
