import Foundation
import HaloForgeData
import Testing

/// What `data prepare` and `data validate` print and write, without the binary.
@Suite struct DataCommandOutputTests {
    @Test func prepareWritesRecordsOrTheirReferences() throws {
        let records = try Prepare.records(source: "mbpp-sanitized", datasets: Datasets.defaultFolder())
        let prepared = Prepare.jsonl(records, format: .prepared)
        #expect(prepared.count == records.count && prepared.leftOut.isEmpty)
        #expect(prepared.text.split(separator: "\n").count == records.count)
        let verify = Prepare.jsonl(records, format: .verify)
        #expect(verify.count == Prepare.referenceSamples(records).samples.count)
        let train = records.filter { $0.split == .train }.count
        #expect(Prepare.summary(records, source: "mbpp-sanitized", written: 3)
            .hasPrefix("mbpp-sanitized: 3 records written (train \(train), held_out \(records.count - train); "))
    }

    @Test func validateListsProblemsAndCountsWhatIsLeft() {
        let text = #"{"id":"a","language":"python","prompt":"x"}"# + "\n\n" + #"{"id":"b","prompt":"  "}"# + "\n"
        let report = RecordValidation.validate(text: text, path: "p.jsonl", python: nil)
        #expect(report.listing(path: "p.jsonl", fixing: false).contains("p.jsonl:2: blank line (--fix fixes it)\n"))
        #expect(report.listing(path: "p.jsonl", fixing: true).contains("p.jsonl:2: blank line (fixed)\n"))
        #expect(report.remaining(fixing: true) == report.unfixable.count)
        #expect(report.remaining(fixing: false) == report.problems.count)
        #expect(report.summary(path: "p.jsonl", fixing: false).hasPrefix("p.jsonl: 2 records, \(report.problems.count) problems, "))
    }
}
