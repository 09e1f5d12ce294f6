internal import Foundation

/// `config validate`: a settings file read as the commands read it, and the settings it yields.
public enum SettingsCheck {
    public enum Kind: String, Sendable, CaseIterable {
        case auto, raft, sft
    }

    /// The report for `text` (the file `file`): which commands it serves and every setting as
    /// YAML. With `.auto`, a file that reads as RAFT settings is taken for them, else as SFT
    /// settings; when neither reads, the error of the reading that got further down the file.
    public static func check(_ text: String, file: String, kind: Kind) throws -> String {
        switch kind {
        case .raft: return try raft(text, file: file)
        case .sft: return try sft(text, file: file)
        case .auto:
            do { return try raft(text, file: file) } catch let raftError as ConfigurationError {
                // An upstream SFT file (model: {name: …}, data:) fails as RAFT settings.
                do { return try sft(text, file: file) } catch let sftError as ConfigurationError {
                    // A settings error without a line came after reading all of it.
                    func reach(_ e: ConfigurationError) -> Int { e.line ?? .max }
                    throw reach(sftError) > reach(raftError) ? sftError : raftError
                }
            }
        }
    }

    static func raft(_ text: String, file: String) throws -> String {
        var settings = RAFTConfiguration().applying(try RAFTOverrides.parse(yaml: text, file: file))
        let missingModel = settings.model.isEmpty && settings.checkpoint == nil
        if missingModel { settings.model = "(from --model)" }
        if let checkpoint = settings.checkpoint, FileManager.default.fileExists(atPath: checkpoint) {
            settings = try settings.resolvingCheckpoint(source: file)
        }
        if settings.model.isEmpty { settings.model = "(from the checkpoint)" }
        try settings.validate(source: file)
        return "\(file): valid raft settings (raft train, benchmark full)" + (missingModel ? "; the model comes from --model" : "") + "\n" + settings.yaml
    }

    static func sft(_ text: String, file: String) throws -> String {
        var settings = SFTConfiguration().applying(try SFTOverrides.parse(yaml: text, file: file))
        var fromFlags: [String] = []
        if settings.model.isEmpty { (settings.model, fromFlags) = ("(from --model)", fromFlags + ["--model"]) }
        if settings.data.isEmpty { (settings.data, fromFlags) = ("(from --data)", fromFlags + ["--data"]) }
        if settings.output.isEmpty { (settings.output, fromFlags) = ("(from --output)", fromFlags + ["--output"]) }
        try settings.validate(source: file)
        return "\(file): valid sft settings (sft train)" + (fromFlags.isEmpty ? "" : "; give \(fromFlags.joined(separator: ", ")) when running") + "\n" + settings.yaml
    }

    /// `config keys`: every key with its default and upstream names, then its help and rule.
    public static func keys<C: Configurable>(_: C.Type) -> String {
        let width = C.settings.map(\.key.count).max() ?? 0
        return C.settings.map { s in
            let head = s.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + s.display(C())
            let upstream = s.upstream.isEmpty ? "" : "  (also " + s.upstream.joined(separator: ", ") + ")"
            return head + upstream + "\n    " + s.help + (s.ruleText.map { "; \($0)" } ?? "")
        }.joined(separator: "\n")
    }
}
