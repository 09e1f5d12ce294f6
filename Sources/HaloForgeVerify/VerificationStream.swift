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
        return await withTaskGroup(of: (Int, Result).self) { group in
            var pending: [Int: Result] = [:]
            var nextToEmit = 0
            var submitted = 0
            var inFlight = 0
            var failure: RecordError?

            func drainOne() async {
                guard let (index, result) = await group.next() else { return }
                inFlight -= 1
                pending[index] = result
                while let ready = pending.removeValue(forKey: nextToEmit) {
                    emit(ready)
                    nextToEmit += 1
                }
            }

            for await line in lines {
                let sample: Sample
                do {
                    sample = try Sample(record: JSONLines.object(line), line: line.number, customLanguages: customLanguages)
                } catch let error as RecordError {
                    failure = error
                    break
                } catch {
                    failure = RecordError(line: line.number, "\(error)")
                    break
                }
                while inFlight >= max(1, jobs) { await drainOne() }
                let index = submitted
                submitted += 1
                inFlight += 1
                group.addTask { (index, Result(sample: sample, verdict: await verifier.verify(sample))) }
            }
            while inFlight > 0 { await drainOne() }
            return failure
        }
    }
}
