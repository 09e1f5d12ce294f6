import ArgumentParser
import Foundation
import HaloForgeCore
import HaloForgeData
import HaloForgeRAFT

/// The settings file's overrides, or none; errors name the file, line and key.
func fileOverrides(_ config: String?) throws -> RAFTOverrides {
    guard let config else { return RAFTOverrides() }
    do { return try RAFTOverrides.parse(yaml: try readText(config), file: config) } catch let error as ConfigurationError {
        throw CommandError("\(error)")
    }
}

/// defaults < file < flags, the checkpoint resolved, validated: what a fresh run stores.
func layeredSettings(base: RAFTConfiguration = RAFTConfiguration(), file: RAFTOverrides, flags: RAFTOverrides, source: String?) throws -> RAFTConfiguration {
    do {
        var settings = try base.applying(file).applying(flags).resolvingCheckpoint(source: source ?? "--flags")
        // Stored absolute, so the run resumes from any folder.
        settings.prompts = settings.prompts.map { URL(fileURLWithPath: $0).path }
        try settings.validate(source: source ?? "--flags")
        return settings
    } catch let error as ConfigurationError {
        throw CommandError("\(error)")
    }
}

/// A run folder named after the command and the time, for commands run without --output.
func defaultRunFolder(_ command: String) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    return "runs/\(command)-\(formatter.string(from: Date()))"
}

extension VerifierOptions {
    /// These options with the run's verifier settings (remote host, key, running untested prompts) added.
    func applying(_ settings: RAFTConfiguration) -> VerifierOptions {
        var options = self
        if let host = settings.verifierHost, options.remote == nil {
            options.remote = settings.verifierUser.map { "\($0)@\(host)" } ?? host
        }
        if let key = settings.verifierSSHKey {
            options.remoteSSHOption.append("IdentityFile=" + (key as NSString).expandingTildeInPath)
        }
        if settings.runAfterCompile { options.run = true }
        return options
    }
}
