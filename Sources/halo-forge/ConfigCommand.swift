import ArgumentParser
import Foundation
import HaloForgeRAFT

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check settings files and list the keys they may use.",
        subcommands: [Validate.self, Keys.self])

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case auto, raft, sft
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a settings file as the commands do and print the settings it yields; errors name the line and key.",
            discussion: """
                raft settings serve `raft train` and `benchmark full`; sft settings serve `sft train`. With
                --kind auto a file that reads as RAFT settings is taken for them, else as SFT settings.
                Settings that a flag can give at run time (model, data, output) may be missing here.
                """)

        @Argument(help: "The YAML settings file.")
        var file: String

        @Option(help: "auto, raft or sft.")
        var kind: Kind = .auto

        func run() async throws {
            let text = try readText(file)
            switch kind {
            case .raft: try raft(text)
            case .sft: try sft(text)
            case .auto:
                do { try raft(text) } catch let raftError {
                    // An upstream SFT file (model: {name: …}, data:) fails as RAFT settings.
                    do { try sft(text) } catch let sftError {
                        // Neither: the reading that got further down the file is the one meant (a
                        // settings error without a line came after reading all of it).
                        func line(_ error: any Error) -> Int { ((error as? CommandError)?.description).map { Self.lineNumber($0) ?? .max } ?? 0 }
                        throw line(sftError) > line(raftError) ? sftError : raftError
                    }
                }
            }
        }

        /// N of "FILE: line N: …".
        static func lineNumber(_ message: String) -> Int? {
            guard let range = message.range(of: ": line ") else { return nil }
            return Int(message[range.upperBound...].prefix { $0.isNumber })
        }

        func raft(_ text: String) throws {
            do {
                let overrides = try RAFTOverrides.parse(yaml: text, file: file)
                var settings = RAFTConfiguration().applying(overrides)
                let missingModel = settings.model.isEmpty && settings.checkpoint == nil
                if missingModel { settings.model = "(from --model)" }
                if settings.checkpoint != nil, FileManager.default.fileExists(atPath: settings.checkpoint!) {
                    settings = try settings.resolvingCheckpoint(source: file)
                }
                if settings.model.isEmpty { settings.model = "(from the checkpoint)" }
                try settings.validate(source: file)
                print("\(file): valid raft settings (raft train, benchmark full)" + (missingModel ? "; the model comes from --model" : ""))
                print(settings.yaml, terminator: "")
            } catch let error as ConfigurationError {
                throw CommandError("\(error)")
            }
        }

        func sft(_ text: String) throws {
            do {
                var settings = SFTConfiguration().applying(try SFTOverrides.parse(yaml: text, file: file))
                var fromFlags: [String] = []
                if settings.model.isEmpty { settings.model = "(from --model)"; fromFlags.append("--model") }
                if settings.data.isEmpty { settings.data = "(from --data)"; fromFlags.append("--data") }
                if settings.output.isEmpty { settings.output = "(from --output)"; fromFlags.append("--output") }
                try settings.validate(source: file)
                print("\(file): valid sft settings (sft train)" + (fromFlags.isEmpty ? "" : "; give \(fromFlags.joined(separator: ", ")) when running"))
                print(settings.yaml, terminator: "")
            } catch let error as ConfigurationError {
                throw CommandError("\(error)")
            }
        }
    }

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every key a settings file may use, with the upstream nested names that set it.")

        @Option(help: "raft or sft.")
        var kind: Kind = .raft

        func run() async throws {
            let rows: [(String, [String])] = kind == .sft
                ? SFTConfiguration.settings.map { ($0.key, $0.upstream) }
                : RAFTConfiguration.settings.map { ($0.key, $0.upstream) }
            let width = rows.map(\.0.count).max() ?? 0
            for (key, upstream) in rows {
                print(upstream.isEmpty ? key : key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + upstream.joined(separator: ", "))
            }
        }
    }
}
