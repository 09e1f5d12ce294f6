import HaloForgeRAFT
import HaloForgeVerify
import Testing

/// A run's verifier settings (verifier.host, user, ssh_key, run_after_compile) over the flags'.
@Suite struct RunVerifierSettingsTests {
    @Test func theRunsBuildHostKeyAndRunRuleJoinTheFlags() {
        var run = RAFTConfiguration()
        (run.verifierHost, run.verifierUser, run.verifierSSHKey, run.runAfterCompile) = ("win", "me", "/keys/id", true)
        let c = run.verifier(VerifierConfiguration(), remoteKind: .powershell, sessions: 4)
        #expect(c.remote?.host == "me@win" && c.remote?.kind == .powershell && c.remote?.sessions == 4)
        #expect(c.remote?.sshArguments == ["-o", "IdentityFile=/keys/id"])
        #expect(c.runWithoutTests)
    }

    @Test func aHostGivenAsAFlagWinsAndKeepsItsOptions() {
        var run = RAFTConfiguration()
        (run.verifierHost, run.verifierSSHKey) = ("from-config", "/keys/id")
        var flags = VerifierConfiguration()
        flags.remote = RemoteConfiguration(host: "from-flag")
        flags.remote?.sshArguments = ["-F", "my_config"]
        let c = run.verifier(flags, remoteKind: .posix, sessions: 8)
        #expect(c.remote?.host == "from-flag")
        #expect(c.remote?.sshArguments == ["-F", "my_config", "-o", "IdentityFile=/keys/id"])
        #expect(!c.runWithoutTests)
        #expect(RAFTConfiguration().verifier(VerifierConfiguration(), remoteKind: .posix, sessions: 8).remote == nil)
    }
}
