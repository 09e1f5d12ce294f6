internal import Foundation
public import HaloForgeCore

/// Verifies a stream of JSONL records concurrently and hands back results in input order.
public enum VerificationStream {
    /// One verified record.
    public struct Result: Sendable {
        public var sample: Sample
        public var verdict: Verdict

        /// The output record: `id`, the verdict's fields, then every other input field unchanged.
        public var jsonLine: String {
            var fields: [(key: String, value: JSONValue)] = [("id", sample.record["id"] ?? .string(sample.id))]
            fields += verdict.fields
            let taken = Set(fields.map(\.key))
            fields += sample.record.filter { !taken.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            var out = ""
            JSONValue.writeObject(fields, to: &out)
            return out
        }
    }

    /// Verifies `lines` with up to `jobs` samples at a time, calling `emit` in input
    /// order. A malformed record stops the reading: every record before it is still
    /// verified and emitted, and its error is returned.
    public static func run(
        _ lines: AsyncStream<JSONLines.Line>, verifier: Verifier, jobs: Int,
        emit: @escaping @Sendable (Result) -> Void
    ) async -> RecordError? {
        let customLanguages = verifier.configuration.customLanguageNames
        var failure: RecordError?
        var iterator = lines.makeAsyncIterator()
        func next() async -> Sample? {
            guard failure == nil, let line = await iterator.next() else { return nil }
            do {
                return try Sample(record: JSONLines.object(line), line: line.number, customLanguages: customLanguages)
            } catch let error as RecordError {
                failure = error
            } catch {
                failure = RecordError(line: line.number, "\(error)")
            }
            return nil
        }
        await Pool.run(
            jobs: jobs, order: .input, next: next,
            body: { sample in Result(sample: sample, verdict: await verifier.verify(sample)) },
            completed: { _, result in emit(result) })
        return failure
    }
}
