import ArgumentParser

/// Speed, not quality: how fast verification, generation and training run against bare baselines.
struct SpeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speed",
        abstract: "Speed of the verifier, the generation engine and the trainer against bare baselines (quality of a model: `halo-forge benchmark`).",
        subcommands: [VerifySpeedCommand.self, GenerateBench.self, TrainBench.self],
        aliases: ["bench"])
}
