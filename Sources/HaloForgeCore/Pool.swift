/// The one bounded-concurrency loop: at most `jobs` items in flight, the next one started as
/// soon as one finishes, results handed back on the caller's task.
public enum Pool {
    /// The order in which `completed` sees results.
    public enum Order: Sendable {
        /// As each finishes (a progress display, a store that keeps every result at once).
        case completion
        /// In the order `next` handed the items out (a stream that writes its output in order).
        case input
    }

    /// Runs `body` on every item `next` hands out, at most `jobs` at a time, and calls
    /// `completed` with each item's index (from 0, in the order handed out) and its output.
    /// Stops taking items when `next` returns nil, when `completed` throws, or when the task
    /// is cancelled; the items already started still finish and are still reported (a
    /// cancelled verification is never half-recorded). Returns how many items were started;
    /// rethrows the first error of `completed` after the items in flight have finished.
    @discardableResult
    public static func run<Item: Sendable, Output: Sendable, Failure: Error>(
        jobs: Int, order: Order = .completion,
        next: () async -> Item?,
        body: @escaping @Sendable (Item) async -> Output,
        completed: (_ index: Int, _ output: Output) throws(Failure) -> Void
    ) async throws(Failure) -> Int {
        let jobs = max(1, jobs)
        var failure: Failure?
        let started = await withTaskGroup(of: (Int, Output).self) { group -> Int in
            var started = 0
            var inFlight = 0
            var pending: [Int: Output] = [:]
            var nextInOrder = 0
            func hand(_ index: Int, _ output: Output) {
                guard failure == nil else { return }
                do throws(Failure) {
                    switch order {
                    case .completion:
                        try completed(index, output)
                    case .input:
                        pending[index] = output
                        while let ready = pending.removeValue(forKey: nextInOrder) {
                            try completed(nextInOrder, ready)
                            nextInOrder += 1
                        }
                    }
                } catch {
                    failure = error
                }
            }
            while failure == nil, !Task.isCancelled {
                if inFlight >= jobs, let (index, output) = await group.next() {
                    inFlight -= 1
                    hand(index, output)
                    continue
                }
                guard let item = await next() else { break }
                let index = started
                started += 1
                inFlight += 1
                group.addTask { (index, await body(item)) }
            }
            while let (index, output) = await group.next() { hand(index, output) }
            return started
        }
        if let failure { throw failure }
        return started
    }

    /// `run` over an array.
    @discardableResult
    public static func run<Item: Sendable, Output: Sendable, Failure: Error>(
        _ items: [Item], jobs: Int, order: Order = .completion,
        body: @escaping @Sendable (Item) async -> Output,
        completed: (_ index: Int, _ output: Output) throws(Failure) -> Void
    ) async throws(Failure) -> Int {
        var iterator = items.makeIterator()
        return try await run(jobs: jobs, order: order, next: { iterator.next() }, body: body, completed: completed)
    }
}
