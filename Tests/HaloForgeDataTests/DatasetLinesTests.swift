import Foundation
@testable import HaloForgeData
import Testing

/// Errors in a dataset file name the line a person sees in an editor, blank lines included.
@Suite struct DatasetLinesTests {
    @Test func aBadRecordAfterABlankLineIsNamedByItsEditorLine() {
        let good = #"{"task_id": "HumanEval/0", "prompt": "def f():\n", "canonical_solution": "    return 1\n", "test": "def check(c):\n    assert c() == 1\n", "entry_point": "f"}"#
        let data = Data((good + "\n\n" + "{not json}\n").utf8)
        #expect { _ = try Datasets.load(.humaneval, data: data, path: "he.jsonl") } throws: {
            "\($0)" == "he.jsonl: line 3: invalid JSON"
        }
    }

    @Test func aPreparedRecordWithAMissingFieldNamesItsLine() {
        let data = Data("\n\n{\"id\": \"a\", \"language\": \"python\", \"prompt\": 5}\n".utf8)
        #expect { _ = try Prepare.parse(data, path: "mine.jsonl", label: "mine", defaults: TaskDefaults(), seed: 0, heldOutFraction: 0.2) } throws: {
            "\($0)".hasPrefix("mine.jsonl: line 3")
        }
    }
}

/// The SFT corpus is a resource file of C functions; it loads, and a malformed one is named.
@Suite struct SFTCorpusResourceTests {
    @Test func theShippedCorpusLoads() throws {
        let entries = try SFTCorpus.entries()
        #expect(entries.count == 70)
        #expect(entries.first?.signature == "int clamp(int x, int lo, int hi)")
        for entry in entries {
            #expect(!entry.summary.isEmpty)
            #expect(entry.code.hasSuffix("}\n"), "\(entry.signature)")
            #expect(!entry.code.contains("//@"))
        }
        #expect(try SFTCorpus.pairs().count == entries.count)
    }

    @Test func aMalformedCorpusIsNamedByLine() {
        let missingSummary = "//@ signature: int f(void)\nint f(void) { return 1; }\n"
        #expect { _ = try SFTCorpus.parse(missingSummary, name: "c.c") } throws: { "\($0)" == "c.c: line 2: the entry has no summary" }
        let parsed = try? SFTCorpus.parse("// header\n\n//@ signature: int f(void)\n//@ summary: returns 1\n\nint f(void) { return 1; }\n\n\n", name: "c.c")
        #expect(parsed == [SFTCorpus.Entry(signature: "int f(void)", summary: "returns 1", code: "int f(void) { return 1; }\n")])
    }
}
