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
