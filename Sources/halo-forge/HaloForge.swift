import ArgumentParser
// The console, the run plumbing and the whole-run recipes every command file uses.
@_exported import HaloForgePipeline

@main
struct HaloForge: AsyncParsableCommand {
    /// The release this binary belongs to.
    static let version = "0.4.0"

    static let configuration = CommandConfiguration(
        commandName: "halo-forge",
        abstract: "Make code models better with rewards from compilers and tests (RAFT).",
        discussion: """
            Samples are verified in a sandbox and scored on a graduated ladder: syntax error 0.0,
            compiles with warnings 0.3, compiles clean 0.5, runs without crashing 0.7, correct 1.0.
            """,
        version: version,
        subcommands: [
            DemoCommand.self, VerifyCommand.self, RAFTCommand.self, SFTCommand.self, GenerateCommand.self, TrainCommand.self,
            ModelCommand.self, ServeCommand.self, DashboardCommand.self, BenchmarkCommand.self, SpeedCommand.self, DataCommand.self,
            SelfTestCommand.self, InfoCommand.self, ConfigCommand.self,
        ]
    )
}
