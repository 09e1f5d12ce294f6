import ArgumentParser
import HaloForgeRAFT

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check settings files and list the keys they may use.",
        subcommands: [Validate.self, Keys.self])

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a settings file as the commands do and print the settings it yields; errors name the line and key.",
            discussion: """
                raft settings serve `raft train` and `benchmark full`; sft settings serve `sft train`. With
                --kind auto a file that reads as RAFT settings is taken for them, else as SFT settings.
                Settings that a flag can give at run time (model, data, output) may be missing here.
                """)

        @Argument(help: "The YAML settings file.") var file: String
        @Option(help: "auto, raft or sft.") var kind: SettingsCheck.Kind = .auto

        func run() async throws {
            print(try checkedSettingsText(file, kind: kind), terminator: "")
        }
    }

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every key a settings file (or --set) may use: its default, the upstream names that set it, what it does and its rule.")

        @Option(help: "raft or sft.") var kind: SettingsCheck.Kind = .raft

        func run() async throws {
            print(kind == .sft ? SettingsCheck.keys(SFTConfiguration.self) : SettingsCheck.keys(RAFTConfiguration.self))
        }
    }
}

extension SettingsCheck.Kind: ExpressibleByArgument {}
