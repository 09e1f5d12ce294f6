internal import Foundation
internal import Yams

/// A configuration read from YAML: one table declares every setting once, and the keys, the
/// upstream nested names, parsing, layering and the recorded YAML all come from it.
public protocol Configurable: Sendable, Equatable {
    /// The defaults.
    init()
    /// Every setting, in the order `yaml` writes them.
    static var settings: [Setting<Self>] { get }
}

/// One setting, declared once: its flat YAML key, the nested names of halo-forge's upstream
/// configs that also set it (`raft.samples_per_prompt`), its help line, the rule its value must
/// keep, and how to read, copy and write the value. The type and the default come from the field
/// the key path names. YAML files, `--set KEY=VALUE`, the stored run config, validation and
/// `config keys` all read this one entry.
// Key paths and these closures are immutable once the table is built.
public struct Setting<Config>: @unchecked Sendable {
    /// The flat key, e.g. `samples_per_prompt`.
    public let key: String
    /// Dotted upstream names, e.g. `raft.samples_per_prompt`.
    public let upstream: [String]
    /// What the setting does, with its unit, in one line (flag help and `config keys`).
    public let help: String
    /// The value's kind as a reader sees it: a whole number, a number, text, true or false, a list of names.
    public let kind: String
    /// The rule's text ("must be at least 1"), or nil when any value of the type is accepted.
    public let ruleText: String?
    /// A value the rule accepts that differs from the default, as YAML (for tests and examples).
    public let example: String
    let path: PartialKeyPath<Config>
    let read: (FieldValue, inout Config) throws -> Bool
    let copy: (Config, inout Config) -> Void
    let render: (Config) -> String
    /// The "got …" text when the value breaks the rule, else nil.
    let violation: (Config) -> String?

    /// A setting whose value is always present.
    init<V: SettingValue>(
        _ key: String, _ path: WritableKeyPath<Config, V>, upstream: [String] = [], help: String, rule: Rule<V>? = nil
    ) where Config: Configurable {
        self.key = key
        self.upstream = upstream
        self.help = help
        self.path = path
        kind = V.kind
        ruleText = rule?.text
        example = Self.example(rule, default: Config()[keyPath: path])
        read = { value, config in
            guard let v = try V.read(value) else { return false }
            config[keyPath: path] = v
            return true
        }
        copy = { from, to in to[keyPath: path] = from[keyPath: path] }
        render = { $0[keyPath: path].yaml }
        violation = { config in rule?.violation(config[keyPath: path]) }
    }

    /// A setting that may be unset (null); its rule applies to a value that is set.
    init<V: SettingValue>(
        _ key: String, _ path: WritableKeyPath<Config, V?>, upstream: [String] = [], help: String, rule: Rule<V>? = nil
    ) where Config: Configurable {
        self.key = key
        self.upstream = upstream
        self.help = help
        self.path = path
        kind = V.kind
        ruleText = rule?.text
        example = Self.example(rule, default: Config()[keyPath: path])
        read = { value, config in
            guard let v = try V.read(value) else { return false }
            config[keyPath: path] = v
            return true
        }
        copy = { from, to in to[keyPath: path] = from[keyPath: path] }
        render = { $0[keyPath: path]?.yaml ?? "null" }
        violation = { config in config[keyPath: path].flatMap { rule?.violation($0) } }
    }

    /// A value the rule accepts, other than the default where the rule allows one, as YAML.
    private static func example<V: SettingValue>(_ rule: Rule<V>?, default value: V?) -> String {
        let other = V.example(differentFrom: value)
        guard let rule else { return other.yaml }
        if rule.example.yaml == value?.yaml, rule.violation(other) == nil { return other.yaml }
        return rule.example.yaml
    }

    /// The value in `config` as a reader writes it: text unquoted, `null` when unset.
    public func display(_ config: Config) -> String {
        let yaml = render(config)
        return yaml.hasPrefix("\"") ? String(yaml.dropFirst().dropLast()) : yaml
    }

    /// The first broken rule of this setting in `config`, named by its key.
    func check(_ config: Config, source: String) throws {
        guard let got = violation(config), let ruleText else { return }
        throw ConfigurationError(source: source, field: key, message: "field '\(key)' \(ruleText), got \(got)")
    }
}

/// What a setting's value must satisfy: the text completes "field 'KEY' …" in an error.
public struct Rule<V>: @unchecked Sendable {
    /// e.g. "must be at least 1".
    public let text: String
    /// A value that keeps the rule.
    let example: V
    /// The "got …" text when `value` breaks the rule, else nil.
    let violation: (V) -> String?

    /// A rule that `holds` checks; comparisons should be written so that NaN fails them.
    init(_ text: String, example: V, _ holds: @escaping (V) -> Bool) where V: SettingValue {
        self.text = text
        self.example = example
        violation = { holds($0) ? nil : $0.yaml }
    }

    init(_ text: String, example: V, violation: @escaping (V) -> String?) {
        self.text = text
        self.example = example
        self.violation = violation
    }
}

extension Rule where V == Int {
    static func atLeast(_ low: Int) -> Rule { Rule("must be at least \(low)", example: low + 1) { $0 >= low } }
}

extension Rule where V == Double {
    /// [low, high] with either end open.
    static func range(_ low: Double, _ high: Double, openLow: Bool = false, openHigh: Bool = false, example: Double) -> Rule {
        Rule("must be in \(openLow ? "(" : "[")\(bound(low)), \(bound(high))\(openHigh ? ")" : "]")", example: example) {
            (openLow ? $0 > low : $0 >= low) && (openHigh ? $0 < high : $0 <= high)
        }
    }

    static var finiteAtLeastZero: Rule { Rule("must be a finite number at least 0", example: 0.5) { $0 >= 0 && $0.isFinite } }
    static var finiteAboveZero: Rule { Rule("must be a finite number above 0", example: 1e-3) { $0 > 0 && $0.isFinite } }

    private static func bound(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : "\(x)" }
}

extension Rule where V == String {
    static func oneOf(_ choices: [String]) -> Rule {
        Rule("must be \(spoken(choices))", example: choices.last!) { choices.contains($0) }
    }

    static var nonEmpty: Rule { Rule("must not be empty", example: "x") { !$0.isEmpty } }
}

extension Rule where V == [String] {
    static var nonEmpty: Rule { Rule("must name at least one module", example: ["q_proj"]) { !$0.isEmpty } }

    /// Every name in the list is one of `choices`; an error shows the first that is not.
    static func each(of choices: [String]) -> Rule {
        Rule("must list \(spoken(choices))", example: [choices.first!], violation: { list in
            list.first { !choices.contains($0) }.map(yamlQuoted)
        })
    }
}

/// "a, b or c".
func spoken(_ words: [String]) -> String {
    words.count < 2 ? words.joined() : words.dropLast().joined(separator: ", ") + " or " + words.last!
}

/// Settings given by one source (a file or the flags): unset ones leave the layer below alone.
@dynamicMemberLookup
public struct Overrides<Config: Configurable>: Sendable, Equatable {
    private var values = Config()
    private var given: Set<String> = []

    /// Nothing set.
    public init() {}

    /// The flat keys, in the order `yaml` writes them.
    public static var keys: [String] { Config.settings.map(\.key) }

    /// Every name a file may use: the flat keys and the upstream nested names.
    public static var names: [String] { Config.settings.flatMap { [$0.key] + $0.upstream } }

    /// The value this source sets, or nil.
    public subscript<V: SettingType>(dynamicMember path: WritableKeyPath<Config, V>) -> V? {
        get { given.contains(Self.key(path)) ? values[keyPath: path] : nil }
        set { set(path, newValue) }
    }

    /// The value this source sets for a setting that may be null, or nil.
    public subscript<V: SettingType>(dynamicMember path: WritableKeyPath<Config, V?>) -> V? {
        get { given.contains(Self.key(path)) ? values[keyPath: path] : nil }
        set {
            // Not `set(path, newValue)`: that would wrap nil as a given value of nil.
            values[keyPath: path] = newValue
            if newValue != nil { given.insert(Self.key(path)) } else { given.remove(Self.key(path)) }
        }
    }

    /// True when this source sets nothing.
    public var isEmpty: Bool { given.isEmpty }

    private mutating func set<V>(_ path: WritableKeyPath<Config, V>, _ value: V?) {
        let key = Self.key(path)
        if let value {
            values[keyPath: path] = value
            given.insert(key)
        } else {
            values[keyPath: path] = Config()[keyPath: path]
            given.remove(key)
        }
    }

    private static func key(_ path: AnyKeyPath) -> String {
        guard let setting = Config.settings.first(where: { $0.path == path }) else {
            preconditionFailure("\(path) is not in \(Config.self).settings")
        }
        return setting.key
    }

    /// These settings with every one that `later` gives replaced (flags after a file, `--set` after flags).
    public func merging(_ later: Overrides) -> Overrides {
        var merged = self
        merged.values = later.apply(to: values)
        merged.given.formUnion(later.given)
        return merged
    }

    /// Reads `--set KEY=VALUE` assignments: KEY is a flat key or an upstream name, VALUE is read
    /// as in a YAML file (`0.5`, `true`, `[q_proj, v_proj]`) and must keep the setting's rule.
    /// Errors name the assignment, e.g. `--set cycles=0: field 'cycles' must be at least 1, got 0`.
    public static func parse(assignments: [String], flag: String = "--set") throws -> Overrides {
        var overrides = Overrides()
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw ConfigurationError(source: flag, message: "'\(assignment)': expected KEY=VALUE (keys: `halo-forge config keys`)")
            }
            let name = String(assignment[..<equals]).trimmingCharacters(in: .whitespaces)
            guard let setting = Config.settings.first(where: { $0.key == name || $0.upstream.contains(name) }) else {
                let hint = suggestion(for: name).map { " (did you mean '\($0)'?)" } ?? " (keys: `halo-forge config keys`)"
                throw ConfigurationError(source: "\(flag) \(assignment)", field: name, message: "unknown setting '\(name)'\(hint)")
            }
            let text = String(assignment[assignment.index(after: equals)...])
            try overrides.assign(setting, text, yaml: true, source: "\(flag) \(assignment)")
        }
        return overrides
    }

    /// Reads the settings given as flags named after their keys: `--KEY VALUE` or `--KEY=VALUE`
    /// (`--samples-per-prompt 4`), and `--KEY` alone for true. A value is taken as written
    /// (text is never read as YAML, so `#` and `:` in a path stay), except a list, which is
    /// YAML (`[q_proj, v_proj]`). Errors name the flag: `--cycles 0: field 'cycles' must be at least 1, got 0`.
    public static func parse(flags: [String]) throws -> Overrides {
        var overrides = Overrides()
        var words = flags[...]
        while let word = words.popFirst() {
            guard word.hasPrefix("--"), word.count > 2 else {
                throw ConfigurationError(source: word, message: "unexpected argument '\(word)'")
            }
            let label = word.dropFirst(2).prefix { $0 != "=" }
            var value = word.contains("=") ? String(word.drop { $0 != "=" }.dropFirst()) : nil
            guard let setting = Config.settings.first(where: { flagName($0.key) == label }) else {
                let hint = suggestion(for: String(label), among: keys).map { " (did you mean '--\(flagName($0))'?)" } ?? ""
                throw ConfigurationError(source: word, message: "unknown option '--\(label)'\(hint)")
            }
            if value == nil, setting.kind == Bool.kind, words.first.map({ $0.hasPrefix("--") }) ?? true {
                value = "true"
            }
            guard let value = value ?? words.popFirst() else {
                throw ConfigurationError(source: word, field: setting.key, message: "missing value for '\(word)' (\(setting.kind))")
            }
            try overrides.assign(setting, value, yaml: setting.kind == [String].kind, source: word.contains("=") ? word : "\(word) \(value)")
        }
        return overrides
    }

    /// The command-line flag of a key: `samples_per_prompt` → `samples-per-prompt`.
    public static func flagName(_ key: String) -> String { key.replacingOccurrences(of: "_", with: "-") }

    /// Sets `setting` from one value given on the command line, read as YAML or taken as written;
    /// errors name `source` without a line.
    private mutating func assign(_ setting: Setting<Config>, _ text: String, yaml: Bool, source: String) throws {
        do {
            let node = yaml ? try Yams.compose(yaml: text) ?? Node("") : Node(text, Tag(.str), .doubleQuoted)
            if try setting.read(FieldValue(node: node, key: setting.key, source: source), &values) {
                given.insert(setting.key)
            } else {
                throw ConfigurationError(source: source, field: setting.key, message: "field '\(setting.key)': expected \(setting.kind), got nothing")
            }
            try setting.check(values, source: source)
        } catch var error as ConfigurationError {
            // One value on the command line: a line number would only mislead.
            error.line = nil
            error.source = source
            throw error
        } catch let error as YamlError {
            var error = ConfigurationError(yamlError: error, source: source)
            error.line = nil
            throw error
        }
    }

    /// `base` with every setting this source gives replaced.
    public func apply(to base: Config) -> Config {
        var c = base
        for setting in Config.settings where given.contains(setting.key) { setting.copy(values, &c) }
        return c
    }

    /// Parses a YAML mapping of flat keys and upstream sections; `file` names the source in errors.
    public static func parse(yaml: String, file: String) throws -> Overrides {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigurationError(yamlError: error, source: file)
        }
        // An empty file (or one with only comments) sets nothing.
        guard let root, !isNull(root) else { return Overrides() }
        guard root.mapping != nil else {
            throw ConfigurationError(
                source: file, line: root.mark?.line,
                message: "expected a mapping of settings at the top level, got \(describe(root))")
        }
        var overrides = Overrides()
        var setBy: [String: (name: String, line: Int?)] = [:]
        try overrides.read(root, prefix: "", file: file, setBy: &setBy)
        return overrides
    }

    private mutating func read(_ node: Node, prefix: String, file: String, setBy: inout [String: (name: String, line: Int?)]) throws {
        guard let mapping = node.mapping else { return }
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line
            guard let key = keyNode.scalar?.string else {
                throw ConfigurationError(source: file, line: line, message: "expected a setting name, got \(describe(keyNode))")
            }
            let name = prefix + key
            let isSection = Self.names.contains { $0.hasPrefix(name + ".") }
            // `model: NAME` is a setting, `model: {name: NAME}` (upstream SFT) a section.
            if isSection, valueNode.mapping != nil || isNull(valueNode) {
                try read(valueNode, prefix: name + ".", file: file, setBy: &setBy)
                continue
            }
            guard let setting = Config.settings.first(where: { $0.key == name || $0.upstream.contains(name) }) else {
                var message = "unknown field '\(name)'"
                if isSection {
                    message = "field '\(name)': expected a section of settings, got \(describe(valueNode))"
                } else if let suggestion = Self.suggestion(for: name) {
                    message += " (did you mean '\(suggestion)'?)"
                } else {
                    message += ": it has no meaning here (see `halo-forge config keys`)"
                }
                throw ConfigurationError(source: file, line: line, field: name, message: message)
            }
            if let earlier = setBy[setting.key] {
                throw ConfigurationError(
                    source: file, line: line, field: name,
                    message: "field '\(name)' sets '\(setting.key)' again (already set by '\(earlier.name)'"
                        + (earlier.line.map { " on line \($0)" } ?? "") + ")")
            }
            if try setting.read(FieldValue(node: valueNode, key: name, source: file), &values) {
                given.insert(setting.key)
                setBy[setting.key] = (name, line)
            }
        }
    }

    /// The known name closest to a misspelled one, if any is close enough to be a likely typo.
    public static func suggestion(for key: String, among names: [String] = Self.names) -> String? {
        // Catches samplesPerPrompt and samples-per-prompt before spelling distance.
        let squashed = key.lowercased().filter { $0 != "_" && $0 != "-" }
        if let match = names.first(where: { $0.filter { $0 != "_" } == squashed }) { return match }
        let lowered = key.lowercased().replacingOccurrences(of: "-", with: "_")
        let scored = names.map { (key: $0, distance: editDistance(lowered, $0)) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        return best.distance <= max(2, lowered.count / 4) ? best.key : nil
    }
}

extension Configurable {
    /// This configuration with every setting the overrides give replaced.
    public func applying(_ overrides: Overrides<Self>) -> Self { overrides.apply(to: self) }

    /// Throws the first value that breaks its setting's rule, in the table's order, named by its key.
    public func checkRules(source: String) throws {
        for setting in Self.settings { try setting.check(self, source: source) }
    }

    /// The help line of `key` with its default, for a flag that sets it: "Samples per prompt (default: 8)."
    public static func help(_ key: String) -> String {
        guard let setting = settings.first(where: { $0.key == key }) else { preconditionFailure("\(key) is not in \(Self.self).settings") }
        let value = setting.display(Self())
        return setting.help + (value == "null" || value.isEmpty ? "." : " (default: \(value)).")
    }

    /// Every setting as the flag that sets it (`Overrides.parse(flags:)`), one line each with its
    /// help and default: the flags part of the manual of a command whose settings are this table.
    public static var flagsHelp: String {
        settings.map { setting in
            "--" + Overrides<Self>.flagName(setting.key) + (setting.kind == Bool.kind ? " [true|false]" : " <\(setting.kind)>") + ": " + help(setting.key)
        }.joined(separator: "\n")
    }

    /// Every setting as YAML, one flat key per line in the table's order, so a run can record it.
    public var yaml: String { Self.settings.map { "\($0.key): \($0.render(self))\n" }.joined() }
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

// MARK: - Reading YAML values

/// A type a setting can hold. Optional is not one, so an optional setting reaches only the
/// subscript that takes nil as "not set" (never as "set to nil").
public protocol SettingType {}

extension String: SettingType {}
extension Int: SettingType {}
extension Double: SettingType {}
extension Bool: SettingType {}
extension Array: SettingType where Element == String {}

/// How a setting's type is read and written; `read` returns nil for a null value (not set).
protocol SettingValue: SettingType {
    static func read(_ value: FieldValue) throws -> Self?
    var yaml: String { get }
    /// How an error or `config keys` names the type.
    static var kind: String { get }
    /// Some value other than `value`, when no rule gives one.
    static func example(differentFrom value: Self?) -> Self
}

extension String: SettingValue {
    static func read(_ value: FieldValue) throws -> String? { try value.string() }
    var yaml: String { yamlQuoted(self) }
    static var kind: String { "text" }
    static func example(differentFrom value: String?) -> String { (value ?? "") + "x" }
}

extension Int: SettingValue {
    static func read(_ value: FieldValue) throws -> Int? { try value.int() }
    var yaml: String { String(self) }
    static var kind: String { "a whole number" }
    static func example(differentFrom value: Int?) -> Int { (value ?? 0) + 1 }
}

extension Double: SettingValue {
    static func read(_ value: FieldValue) throws -> Double? { try value.double() }
    var yaml: String { "\(self)" }
    static var kind: String { "a number" }
    static func example(differentFrom value: Double?) -> Double { value == 0.5 ? 0.25 : 0.5 }
}

extension Bool: SettingValue {
    static func read(_ value: FieldValue) throws -> Bool? { try value.bool() }
    var yaml: String { String(self) }
    static var kind: String { "true or false" }
    static func example(differentFrom value: Bool?) -> Bool { !(value ?? false) }
}

extension Array: SettingValue where Element == String {
    static func read(_ value: FieldValue) throws -> [String]? { try value.strings() }
    var yaml: String { "[" + map(yamlQuoted).joined(separator: ", ") + "]" }
    static var kind: String { "a list of names" }
    static func example(differentFrom value: [String]?) -> [String] { (value ?? []) + ["x"] }
}

/// One value from the file, read as the type its field needs.
struct FieldValue {
    let node: Node
    let key: String
    let source: String

    func string() throws -> String? {
        if isNull(node) { return nil }
        guard let scalar = node.scalar else { throw mismatch("a string") }
        return scalar.string
    }

    func strings() throws -> [String]? {
        if isNull(node) { return nil }
        guard let sequence = node.sequence else { throw mismatch("a list of names") }
        return try sequence.map { item in
            guard let text = item.scalar?.string else { throw mismatch("a list of names") }
            return text
        }
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
func yamlQuoted(_ s: String) -> String {
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

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension ConfigurationError {
    /// Turns a Yams syntax error into one line with the line number it reports.
    init(yamlError: YamlError, source: String) {
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let near = context.map { " (\($0.text))" } ?? ""
            self.init(source: source, line: mark.line, message: "invalid YAML: \(problem)\(near)")
        case .duplicatedKeysInMapping(let duplicates, let context):
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
