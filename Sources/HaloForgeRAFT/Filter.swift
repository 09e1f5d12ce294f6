internal import Foundation

/// One sampled completion and its verifier reward.
public struct Candidate: Sendable, Equatable {
    /// The prompt the completion answers; filtering works per prompt.
    public var promptID: String
    /// Sample number within the prompt; breaks reward ties so selection is deterministic.
    public var index: Int
    /// The generated text.
    public var completion: String
    /// Verifier reward in [0, 1].
    public var reward: Double
    /// Whether the prompt has tests, so 1.0 means correct rather than merely running.
    public var tested: Bool

    /// Creates a candidate.
    public init(promptID: String, index: Int, completion: String, reward: Double, tested: Bool = true) {
        self.promptID = promptID
        self.index = index
        self.completion = completion
        self.reward = reward
        self.tested = tested
    }
}

/// What one filtering pass did, for logs and the run store.
public struct FilterReport: Sendable, Equatable {
    /// Candidates given to the filter.
    public var considered: Int
    /// Samples dropped for a reward below reward_threshold (outside dropped prompts).
    public var belowThreshold: Int
    /// Samples dropped as a repeat of a better sample of the same prompt.
    public var duplicates: Int
    /// Prompts (not samples) dropped because every sample was right, or every one wrong.
    public var droppedUniformPrompts: Int
    /// Samples cut by keep_top_k or keep_fraction.
    public var trimmedByTopK: Int
    /// Samples kept in the end, safeguard additions included.
    public var kept: Int
    /// Samples the min_kept safeguard added back.
    public var safeguardAdded: Int
    /// What the min_kept safeguard did, in one sentence, when it acted.
    public var note: String?

    /// Creates a report; everything defaults to zero.
    public init(
        considered: Int = 0, belowThreshold: Int = 0, duplicates: Int = 0, droppedUniformPrompts: Int = 0,
        trimmedByTopK: Int = 0, kept: Int = 0, safeguardAdded: Int = 0, note: String? = nil
    ) {
        self.considered = considered
        self.belowThreshold = belowThreshold
        self.duplicates = duplicates
        self.droppedUniformPrompts = droppedUniformPrompts
        self.trimmedByTopK = trimmedByTopK
        self.kept = kept
        self.safeguardAdded = safeguardAdded
        self.note = note
    }
}

/// Chooses the samples to train on, prompt by prompt, so no prompt crowds out another.
public enum SampleFilter {
    /// The lowest reward the default rule keeps for a prompt without tests: compiling. The 0.3
    /// "warnings" rung is below it on purpose: it rewards code that does not even build.
    public static let untestedFloor = 0.5

    /// The reward a prompt's samples need to be kept. With `reward_threshold` set, that value.
    /// Unset: 1.0 (passes its tests) for a prompt with tests, else its best rung if at least
    /// compiling. On MBPP a 0.5 threshold kept 95–98 of 160 samples per cycle, nearly all
    /// compiling but wrong, and taught compiling (63.7 → 85.0 %) but not passing (2.5 → 2.5 %).
    public static func bar(_ samples: [Candidate], _ c: RAFTConfiguration) -> Double {
        if let t = c.rewardThreshold { return t }
        if samples.contains(where: \.tested) { return 1.0 }
        return max(untestedFloor, samples.map(rankReward).max() ?? untestedFloor)
    }

    /// Whether a prompt's samples tell good from bad: some reach the bar and some do not.
    public static func hasSignal(_ samples: [Candidate], _ c: RAFTConfiguration) -> Bool {
        let bar = bar(samples, c)
        return samples.contains { $0.reward >= bar } && samples.contains { !($0.reward >= bar) }
    }

    /// Kept samples ordered by prompt (first appearance in the input), then by rank, with a report of every cut.
    public static func select(_ candidates: [Candidate], _ c: RAFTConfiguration) -> (kept: [Candidate], report: FilterReport) {
        var report = FilterReport(considered: candidates.count)
        var promptOrder: [String] = []
        var groups: [String: [Candidate]] = [:]
        for candidate in candidates {
            if groups[candidate.promptID] == nil { promptOrder.append(candidate.promptID) }
            groups[candidate.promptID, default: []].append(candidate)
        }

        // Per prompt: ranked samples, the ranks kept, and the completions already taken.
        var ranked: [[Candidate]] = []
        var keptRanks: [[Int]] = []
        var takenTexts: [Set<String>] = []
        // Samples the safeguard may bring back: (prompt position, rank).
        var leftovers: [(prompt: Int, rank: Int)] = []

        for (p, id) in promptOrder.enumerated() {
            let samples = groups[id, default: []].sorted(by: ranksBefore)
            ranked.append(samples)
            keptRanks.append([])
            takenTexts.append([])

            let threshold = bar(samples, c)
            if (c.dropUniformPrompts || c.dynamicSampling)
                && (samples.allSatisfy { $0.reward >= 1.0 } || samples.allSatisfy { !($0.reward >= threshold) }) {
                report.droppedUniformPrompts += 1
                leftovers += samples.indices.map { (p, $0) }
                continue
            }

            var survivors: [Int] = []
            var seen: Set<String> = []
            for (rank, sample) in samples.enumerated() {
                guard sample.reward >= threshold else {
                    report.belowThreshold += 1
                    leftovers.append((p, rank))
                    continue
                }
                if c.dedupe {
                    // Ranked order means the first copy seen is the best one.
                    guard seen.insert(dedupeKey(sample.completion)).inserted else {
                        report.duplicates += 1
                        continue
                    }
                }
                survivors.append(rank)
            }

            let limit = keepLimit(survivors.count, c)
            report.trimmedByTopK += survivors.count - limit
            keptRanks[p] = Array(survivors.prefix(limit))
            leftovers += survivors.dropFirst(limit).map { (p, $0) }
            takenTexts[p] = Set(keptRanks[p].map { dedupeKey(samples[$0].completion) })
        }

        let keptBefore = keptRanks.reduce(0) { $0 + $1.count }
        if keptBefore < c.minKept {
            // Best remaining across all prompts: reward first, then prompt order, then rank.
            let pool = leftovers
                .filter { ranked[$0.prompt][$0.rank].reward > 0 }
                .sorted { a, b in
                    let ra = rankReward(ranked[a.prompt][a.rank]), rb = rankReward(ranked[b.prompt][b.rank])
                    if ra != rb { return ra > rb }
                    return (a.prompt, a.rank) < (b.prompt, b.rank)
                }
            var added = 0, addedBelow = 0
            for slot in pool where keptBefore + added < c.minKept {
                let sample = ranked[slot.prompt][slot.rank]
                if c.dedupe {
                    guard takenTexts[slot.prompt].insert(dedupeKey(sample.completion)).inserted else { continue }
                }
                keptRanks[slot.prompt].append(slot.rank)
                added += 1
                if !(sample.reward >= bar(ranked[slot.prompt], c)) { addedBelow += 1 }
            }
            report.safeguardAdded = added
            report.note = safeguardNote(
                added: added, addedBelow: addedBelow, keptBefore: keptBefore, c)
        }

        var kept: [Candidate] = []
        for (p, ranks) in keptRanks.enumerated() {
            kept += ranks.sorted().map { ranked[p][$0] }
        }
        report.kept = kept.count
        return (kept, report)
    }

    /// The kept samples among `candidates`, in the order `select` returns them: by prompt (first
    /// appearance among all candidates), then by rank. A resumed run trains on the stored kept
    /// samples in the order the filter chose them.
    public static func inTrainingOrder(_ candidates: [Candidate], kept: (Candidate) -> Bool) -> [Candidate] {
        var promptOrder: [String] = []
        var groups: [String: [Candidate]] = [:]
        for candidate in candidates {
            if groups[candidate.promptID] == nil { promptOrder.append(candidate.promptID) }
            groups[candidate.promptID, default: []].append(candidate)
        }
        return promptOrder.flatMap { (groups[$0] ?? []).filter(kept).sorted(by: ranksBefore) }
    }

    /// Samples a prompt may keep after top-k and fraction: ceil(fraction × count), at least 1.
    static func keepLimit(_ count: Int, _ c: RAFTConfiguration) -> Int {
        var limit = count
        if let k = c.keepTopK { limit = min(limit, max(k, 0)) }
        if let f = c.keepFraction, count > 0 {
            // The small slack stops 0.3 × 10 = 3.0000000000000004 from rounding up to 4.
            limit = min(limit, max(1, Int((f * Double(count) - 1e-9).rounded(.up))))
        }
        return limit
    }

    private static func safeguardNote(added: Int, addedBelow: Int, keptBefore: Int, _ c: RAFTConfiguration) -> String {
        let threshold = c.rewardThreshold.map { "\($0)" } ?? "keep"
        let nothingLeft = "no other non-duplicate sample has a reward above 0"
        guard added > 0 else {
            return "could not reach min_kept \(c.minKept): \(plural(keptBefore, "sample")) kept and \(nothingLeft)"
        }
        var text = added == addedBelow
            ? "kept \(plural(added, "sample")) below the \(threshold) threshold"
            : "kept \(plural(added, "more sample")) (\(addedBelow) below the \(threshold) threshold)"
        text += keptBefore + added >= c.minKept
            ? " to reach min_kept \(c.minKept)"
            : " toward min_kept \(c.minKept); \(nothingLeft)"
        return text
    }

    private static func plural(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    /// Higher reward first, then lower index; NaN ranks last.
    private static func ranksBefore(_ a: Candidate, _ b: Candidate) -> Bool {
        let ra = rankReward(a), rb = rankReward(b)
        return ra != rb ? ra > rb : a.index < b.index
    }

    private static func rankReward(_ c: Candidate) -> Double {
        c.reward.isNaN ? -.infinity : c.reward
    }

    /// Completions that differ only in trailing whitespace count as the same.
    private static func dedupeKey(_ text: String) -> String {
        var end = text.endIndex
        while end > text.startIndex, text[text.index(before: end)].isWhitespace { end = text.index(before: end) }
        return String(text[..<end])
    }
}
