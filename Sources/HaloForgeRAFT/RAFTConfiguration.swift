internal import Foundation
internal import Yams

/// Everything a RAFT run needs to know; defaults are the values a bare `halo-forge raft` uses.
public struct RAFTConfiguration: Sendable, Equatable {
    /// Base model: a folder, a Hugging Face id, or a cached name.
    public var model = "tiny"
    /// LoRA adapter to start from.
    public var adapter: String? = nil
    /// A dataset name or a JSONL file of tasks.
    public var dataset = "builtin-c"
    /// A user's prompt file or dataset folder; when set it replaces `dataset`.
    public var prompts: String? = nil
    /// How prompts are judged where a record does not say: gcc, clang, mingw, msvc, python,
    /// pytest, unittest or custom:LANG:EXT:COMPILE[:RUN]; nil keeps the verifier flags.
    public var verifier: String? = nil
    /// Generate-filter-train cycles.
    public var cycles = 3
    /// Completions sampled per prompt each cycle.
    public var samplesPerPrompt = 8
    /// Sampling temperature of the first cycle.
    public var temperature = 0.7
    /// Sampling temperature of the last cycle; linear schedule over cycles when set.
    public var temperatureEnd: Double? = nil
    /// Nucleus sampling mass.
    public var topP = 0.95
    /// Generation length limit per completion.
    public var maxNewTokens = 256
    /// Samples with a reward at or above this are kept.
    public var rewardThreshold = 0.5
    /// Keep at most this many samples per prompt.
    public var keepTopK: Int? = nil
    /// Keep at most this fraction of each prompt's samples, in (0, 1].
    public var keepFraction: Double? = nil
    /// Drop identical completions within a prompt.
    public var dedupe = true
    /// Drop prompts whose samples are all right or all wrong.
    public var dropUniformPrompts = false
    /// Safeguard: keep at least this many samples per cycle.
    public var minKept = 1
    /// Learning rate of the first cycle.
    public var learningRate = 5e-5
    /// Learning-rate multiplier per cycle.
    public var learningRateDecay = 0.85
    /// `lora` or `full`.
    public var trainMode = "lora"
    /// LoRA rank when training an adapter.
    public var loraRank = 16
    /// Optimizer steps per cycle; nil means one epoch over the kept samples.
    public var stepsPerCycle: Int? = nil
    /// Tokens per training batch.
    public var batchTokens = 4096
    /// Seed for sampling and training.
    public var seed = 0
    /// Worker threads; nil lets the engine choose.
    public var threads: Int? = nil

    /// The defaults.
    public init() {}
}

/// A configuration problem, in one line naming the source, the field and what is wrong.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// The file name or "--flags".
    public var source: String
    /// The line in the source, when known.
    public var line: Int?
    /// The YAML key of the field at fault, when there is one.
    public var field: String?
    /// What is wrong, without the source and line prefix.
    public var message: String

    /// Creates an error; `message` is the text after the "source: line N:" prefix.
    public init(source: String, line: Int? = nil, field: String? = nil, message: String) {
        self.source = source
        self.line = line
        self.field = field
        self.message = message
    }

    /// The whole line, e.g. `raft.yaml: line 4: field 'learning_rate': expected a number, got "fast"`.
    public var description: String {
        var text = source + ": "
        if let line { text += "line \(line): " }
        return text + message
    }
}

/// Configuration values set by one source (a file or the flags); nil means "not set here".
public struct RAFTOverrides: Sendable, Equatable {
    /// Sets `RAFTConfiguration.model` when not nil.
    public var model: String?
    /// Sets `RAFTConfiguration.adapter` when not nil.
    public var adapter: String?
    /// Sets `RAFTConfiguration.dataset` when not nil.
    public var dataset: String?
    /// Sets `RAFTConfiguration.prompts` when not nil.
    public var prompts: String?
    /// Sets `RAFTConfiguration.verifier` when not nil.
    public var verifier: String?
    /// Sets `RAFTConfiguration.cycles` when not nil.
    public var cycles: Int?
    /// Sets `RAFTConfiguration.samplesPerPrompt` when not nil.
    public var samplesPerPrompt: Int?
    /// Sets `RAFTConfiguration.temperature` when not nil.
    public var temperature: Double?
    /// Sets `RAFTConfiguration.temperatureEnd` when not nil.
    public var temperatureEnd: Double?
    /// Sets `RAFTConfiguration.topP` when not nil.
    public var topP: Double?
    /// Sets `RAFTConfiguration.maxNewTokens` when not nil.
    public var maxNewTokens: Int?
    /// Sets `RAFTConfiguration.rewardThreshold` when not nil.
    public var rewardThreshold: Double?
    /// Sets `RAFTConfiguration.keepTopK` when not nil.
    public var keepTopK: Int?
    /// Sets `RAFTConfiguration.keepFraction` when not nil.
    public var keepFraction: Double?
    /// Sets `RAFTConfiguration.dedupe` when not nil.
    public var dedupe: Bool?
    /// Sets `RAFTConfiguration.dropUniformPrompts` when not nil.
    public var dropUniformPrompts: Bool?
    /// Sets `RAFTConfiguration.minKept` when not nil.
    public var minKept: Int?
    /// Sets `RAFTConfiguration.learningRate` when not nil.
    public var learningRate: Double?
    /// Sets `RAFTConfiguration.learningRateDecay` when not nil.
    public var learningRateDecay: Double?
    /// Sets `RAFTConfiguration.trainMode` when not nil.
    public var trainMode: String?
    /// Sets `RAFTConfiguration.loraRank` when not nil.
    public var loraRank: Int?
    /// Sets `RAFTConfiguration.stepsPerCycle` when not nil.
    public var stepsPerCycle: Int?
    /// Sets `RAFTConfiguration.batchTokens` when not nil.
    public var batchTokens: Int?
    /// Sets `RAFTConfiguration.seed` when not nil.
    public var seed: Int?
    /// Sets `RAFTConfiguration.threads` when not nil.
    public var threads: Int?

    /// Nothing set.
    public init() {}

    /// The YAML keys a configuration file may use, in the order `RAFTConfiguration.yaml` writes them.
    public static let keys = [
        "model", "adapter", "dataset", "prompts", "verifier", "cycles", "samples_per_prompt", "temperature", "temperature_end",
        "top_p", "max_new_tokens", "reward_threshold", "keep_top_k", "keep_fraction", "dedupe",
        "drop_uniform_prompts", "min_kept", "learning_rate", "learning_rate_decay", "train_mode",
        "lora_rank", "steps_per_cycle", "batch_tokens", "seed", "threads",
    ]

    /// Parses a YAML mapping of snake_case keys; `file` names the source in errors.
    public static func parse(yaml: String, file: String) throws -> RAFTOverrides {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigurationError(yamlError: error, source: file)
        }
        // An empty file (or one with only comments) sets nothing.
        guard let root, !isNull(root) else { return RAFTOverrides() }
        guard let mapping = root.mapping else {
            throw ConfigurationError(
                source: file, line: root.mark?.line,
                message: "expected a mapping of settings at the top level, got \(describe(root))")
        }
        var overrides = RAFTOverrides()
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw ConfigurationError(
                    source: file, line: keyNode.mark?.line,
                    message: "expected a setting name, got \(describe(keyNode))")
            }
            let value = FieldValue(node: valueNode, key: key, source: file)
            try overrides.set(key: key, value, line: keyNode.mark?.line)
        }
        return overrides
    }

    private mutating func set(key: String, _ value: FieldValue, line: Int?) throws {
        switch key {
        case "model": model = try value.string()
        case "adapter": adapter = try value.string()
        case "dataset": dataset = try value.string()
        case "prompts": prompts = try value.string()
        case "verifier": verifier = try value.string()
        case "cycles": cycles = try value.int()
        case "samples_per_prompt": samplesPerPrompt = try value.int()
        case "temperature": temperature = try value.double()
        case "temperature_end": temperatureEnd = try value.double()
        case "top_p": topP = try value.double()
        case "max_new_tokens": maxNewTokens = try value.int()
        case "reward_threshold": rewardThreshold = try value.double()
        case "keep_top_k": keepTopK = try value.int()
        case "keep_fraction": keepFraction = try value.double()
        case "dedupe": dedupe = try value.bool()
        case "drop_uniform_prompts": dropUniformPrompts = try value.bool()
        case "min_kept": minKept = try value.int()
        case "learning_rate": learningRate = try value.double()
        case "learning_rate_decay": learningRateDecay = try value.double()
        case "train_mode": trainMode = try value.string()
        case "lora_rank": loraRank = try value.int()
        case "steps_per_cycle": stepsPerCycle = try value.int()
        case "batch_tokens": batchTokens = try value.int()
        case "seed": seed = try value.int()
        case "threads": threads = try value.int()
        default:
            var message = "unknown field '\(key)'"
            if let suggestion = Self.suggestion(for: key) { message += " (did you mean '\(suggestion)'?)" }
            throw ConfigurationError(source: value.source, line: line, field: key, message: message)
        }
    }

    /// The known key closest to a misspelled one, if any is close enough to be a likely typo.
    static func suggestion(for key: String) -> String? {
        // Catches samplesPerPrompt and samples-per-prompt before spelling distance.
        let squashed = key.lowercased().filter { $0 != "_" && $0 != "-" }
        if let match = keys.first(where: { $0.filter { $0 != "_" } == squashed }) { return match }
        let lowered = key.lowercased().replacingOccurrences(of: "-", with: "_")
        let scored = keys.map { (key: $0, distance: editDistance(lowered, $0)) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        return best.distance <= max(2, lowered.count / 4) ? best.key : nil
    }
}

extension RAFTConfiguration {
    /// This configuration with every field the overrides set replaced.
    public func applying(_ overrides: RAFTOverrides) -> RAFTConfiguration {
        var c = self
        if let v = overrides.model { c.model = v }
        if let v = overrides.adapter { c.adapter = v }
        if let v = overrides.dataset { c.dataset = v }
        if let v = overrides.prompts { c.prompts = v }
        if let v = overrides.verifier { c.verifier = v }
        if let v = overrides.cycles { c.cycles = v }
        if let v = overrides.samplesPerPrompt { c.samplesPerPrompt = v }
        if let v = overrides.temperature { c.temperature = v }
        if let v = overrides.temperatureEnd { c.temperatureEnd = v }
        if let v = overrides.topP { c.topP = v }
        if let v = overrides.maxNewTokens { c.maxNewTokens = v }
        if let v = overrides.rewardThreshold { c.rewardThreshold = v }
        if let v = overrides.keepTopK { c.keepTopK = v }
        if let v = overrides.keepFraction { c.keepFraction = v }
        if let v = overrides.dedupe { c.dedupe = v }
        if let v = overrides.dropUniformPrompts { c.dropUniformPrompts = v }
        if let v = overrides.minKept { c.minKept = v }
        if let v = overrides.learningRate { c.learningRate = v }
        if let v = overrides.learningRateDecay { c.learningRateDecay = v }
        if let v = overrides.trainMode { c.trainMode = v }
        if let v = overrides.loraRank { c.loraRank = v }
        if let v = overrides.stepsPerCycle { c.stepsPerCycle = v }
        if let v = overrides.batchTokens { c.batchTokens = v }
        if let v = overrides.seed { c.seed = v }
        if let v = overrides.threads { c.threads = v }
        return c
    }

    /// Throws the first out-of-range field, named by its YAML key; `source` is "raft.yaml" or "--flags".
    public func validate(source: String) throws {
        func fail(_ field: String, _ rule: String, _ value: String) throws -> Never {
            throw ConfigurationError(
                source: source, field: field, message: "field '\(field)' \(rule), got \(value)")
        }
        // Comparisons are written so that NaN fails them.
        if model.isEmpty { try fail("model", "must not be empty", "\"\"") }
        if dataset.isEmpty { try fail("dataset", "must not be empty", "\"\"") }
        if prompts?.isEmpty == true { try fail("prompts", "must not be empty", "\"\"") }
        if verifier?.isEmpty == true { try fail("verifier", "must not be empty", "\"\"") }
        if !(cycles >= 1) { try fail("cycles", "must be at least 1", "\(cycles)") }
        if !(samplesPerPrompt >= 1) { try fail("samples_per_prompt", "must be at least 1", "\(samplesPerPrompt)") }
        if !(temperature >= 0 && temperature.isFinite) {
            try fail("temperature", "must be a finite number at least 0", "\(temperature)")
        }
        if let end = temperatureEnd, !(end >= 0 && end.isFinite) {
            try fail("temperature_end", "must be a finite number at least 0", "\(end)")
        }
        if !(topP > 0 && topP <= 1) { try fail("top_p", "must be in (0, 1]", "\(topP)") }
        if !(maxNewTokens >= 1) { try fail("max_new_tokens", "must be at least 1", "\(maxNewTokens)") }
        if !(rewardThreshold >= 0 && rewardThreshold <= 1) {
            try fail("reward_threshold", "must be in [0, 1]", "\(rewardThreshold)")
        }
        if let k = keepTopK, !(k >= 1) { try fail("keep_top_k", "must be at least 1", "\(k)") }
        if let f = keepFraction, !(f > 0 && f <= 1) { try fail("keep_fraction", "must be in (0, 1]", "\(f)") }
        if !(minKept >= 0) { try fail("min_kept", "must be at least 0", "\(minKept)") }
        if !(learningRate > 0 && learningRate.isFinite) {
            try fail("learning_rate", "must be a finite number above 0", "\(learningRate)")
        }
        if !(learningRateDecay > 0 && learningRateDecay <= 1) {
            try fail("learning_rate_decay", "must be in (0, 1]", "\(learningRateDecay)")
        }
        if trainMode != "lora" && trainMode != "full" {
            try fail("train_mode", "must be lora or full", yamlQuoted(trainMode))
        }
        if !(loraRank >= 1) { try fail("lora_rank", "must be at least 1", "\(loraRank)") }
        if let s = stepsPerCycle, !(s >= 1) { try fail("steps_per_cycle", "must be at least 1", "\(s)") }
        if !(batchTokens >= 64) { try fail("batch_tokens", "must be at least 64", "\(batchTokens)") }
        if let t = threads, !(t >= 1) { try fail("threads", "must be at least 1", "\(t)") }
    }

    /// The full effective configuration as YAML, one key per line in a fixed order, so a run can record it.
    public var yaml: String {
        func text(_ s: String?) -> String { s.map(yamlQuoted) ?? "null" }
        func number(_ v: Int?) -> String { v.map { String($0) } ?? "null" }
        func number(_ v: Double?) -> String { v.map { "\($0)" } ?? "null" }
        let values: [String] = [
            text(model), text(adapter), text(dataset), text(prompts), text(verifier), number(cycles), number(samplesPerPrompt),
            number(temperature), number(temperatureEnd), number(topP), number(maxNewTokens),
            number(rewardThreshold), number(keepTopK), number(keepFraction), String(dedupe),
            String(dropUniformPrompts), number(minKept), number(learningRate), number(learningRateDecay),
            text(trainMode), number(loraRank), number(stepsPerCycle), number(batchTokens), number(seed),
            number(threads),
        ]
        return zip(RAFTOverrides.keys, values).map { "\($0): \($1)\n" }.joined()
    }
}

// MARK: - Reading YAML values

/// One value from the file, read as the type its field needs.
private struct FieldValue {
    let node: Node
    let key: String
    let source: String

    func string() throws -> String? {
        if isNull(node) { return nil }
        guard let scalar = node.scalar else { throw mismatch("a string") }
        return scalar.string
    }

    func double() throws -> Double? {
        if isNull(node) { return nil }
        // Parsed by hand: YAML 1.1 leaves `5e-5` and `1e-4` as strings.
        guard let text = node.scalar?.string, let value = parseNumber(text) else { throw mismatch("a number") }
        return value
    }

    func int() throws -> Int? {
        if isNull(node) { return nil }
        guard let text = node.scalar?.string, let value = parseNumber(text) else { throw mismatch("a whole number") }
        if let exact = Int(text.trimmingCharacters(in: .whitespaces)) { return exact }
        // Accepts `8.0`; rejects `8.5` and values no Int can hold.
        guard value.rounded() == value, let whole = Int(exactly: value) else { throw mismatch("a whole number") }
        return whole
    }

    func bool() throws -> Bool? {
        if isNull(node) { return nil }
        switch node.scalar?.string.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw mismatch("true or false")
        }
    }

    private func mismatch(_ expected: String) -> ConfigurationError {
        ConfigurationError(
            source: source, line: node.mark?.line, field: key,
            message: "field '\(key)': expected \(expected), got \(describe(node))")
    }
}

/// True for an empty value, `~` or `null` written without quotes.
private func isNull(_ node: Node) -> Bool {
    guard let scalar = node.scalar, scalar.style == .plain || scalar.style == .any else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
}

/// A decimal number such as `8`, `-2.5`, `.5`, `5e-5` or `2E-3`; nothing else (no hex, no inf, no nan).
private func parseNumber(_ raw: String) -> Double? {
    let text = raw.trimmingCharacters(in: .whitespaces)
    var chars = Substring(text)
    if chars.first == "+" || chars.first == "-" { chars = chars.dropFirst() }
    let mantissaEnd = chars.firstIndex(where: { $0 == "e" || $0 == "E" }) ?? chars.endIndex
    let mantissa = chars[..<mantissaEnd]
    let digits = mantissa.filter { $0 != "." }
    guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit),
          mantissa.count - digits.count <= 1 else { return nil }
    if mantissaEnd != chars.endIndex {
        var exponent = chars[chars.index(after: mantissaEnd)...]
        if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
        guard !exponent.isEmpty, exponent.allSatisfy(\.isASCIIDigit) else { return nil }
    }
    guard let value = Double(text), value.isFinite else { return nil }
    return value
}

/// How a value appears in an error: numbers as written, other text quoted, a word for lists and mappings.
private func describe(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar): return parseNumber(scalar.string) != nil ? scalar.string : yamlQuoted(scalar.string)
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
}

/// A double-quoted YAML string that reads back as exactly `s`.
private func yamlQuoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += String(format: "\\x%02X", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// Levenshtein distance, for "did you mean" suggestions.
private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1]
        for (j, y) in b.enumerated() {
            current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
        }
        previous = current
    }
    return previous[b.count]
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension ConfigurationError {
    /// Turns a Yams syntax error into one line with the line number it reports.
    init(yamlError: YamlError, source: String) {
        switch yamlError {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let where_ = context.map { " (\($0.text))" } ?? ""
            self.init(source: source, line: mark.line, message: "invalid YAML: \(problem)\(where_)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            self.init(
                source: source, line: context.mark.line > 0 ? context.mark.line : nil,
                field: duplicates.count == 1 ? duplicates[0] : nil,
                message: "field \(names) is given more than once")
        default:
            self.init(source: source, message: "invalid YAML: \(yamlError)")
        }
    }
}
