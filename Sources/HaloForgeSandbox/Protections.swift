internal import Foundation

/// One protection every run should have, and whether this host gives it.
public struct Protection: Sendable, Equatable {
    /// A short stable name, used in verdict details: "shared-memory", "cpu-share", …
    public let name: String
    public let enforced: Bool
    /// How it is enforced, or why it is not.
    public let how: String
}

extension Jail {
    /// Every protection of a run, in a fixed order, with how this host enforces it.
    static func protections(
        isolation: Isolation, fallbackReason: String?, cgroups: Cgroups, scratchIsTmpfs: Bool,
        configuration: JailConfiguration, subordinate: Bool, subordinateReason: String?
    ) -> [Protection] {
        let namespaces = isolation == .namespaces
        var list: [Protection] = []
        func add(_ names: [String], _ enforced: Bool, _ how: String) {
            list += names.map { Protection(name: $0, enforced: enforced, how: how) }
        }
        let ownUID: (enforced: Bool, how: String)
        if geteuid() == 0 {
            ownUID = (true, "a uid leased host-wide per run")
        } else if namespaces, subordinate {
            ownUID = (true, "a subordinate uid per run")
        } else if namespaces {
            ownUID = (false, "runs share the caller's uid, one user namespace each: \(subordinateReason ?? "no /etc/subuid range")")
        } else {
            ownUID = (false, "runs share the caller's uid")
        }
        if let version = cgroups.version {
            let how = "a cgroup \(version.rawValue) per run"
            add(["total-memory", "shared-memory"], true, how + ": memory")
            add(["run-processes"], true, how + ": pids")
            add(["cpu-share"], true, how + ": cpu, equal weight")
        } else {
            let why = "no cgroup per run: \(cgroups.reason ?? "none")"
            add(["total-memory", "shared-memory"], false, why)
            // RLIMIT_NPROC counts a uid's processes: per run only where the uid is the run's own.
            add(["run-processes"], ownUID.enforced, ownUID.enforced ? "the process rlimit of the run's own uid" : why)
            add(["cpu-share"], false, why)
        }
        if scratchIsTmpfs {
            add(["scratch-size", "scratch-files"], true,
                "a tmpfs per sample (\(configuration.scratchMiB) MiB, \(configuration.scratchFiles) files)")
        } else {
            add(["scratch-size", "scratch-files"], false, "a host folder, bounded per file only: a tmpfs per sample needs root")
        }
        if namespaces {
            add(["network"], true, "a network namespace per run")
            add(["private-root"], true, "pid and mount namespaces, pivot_root into a read-only root")
        } else {
            add(["network", "private-root"], false, fallbackReason ?? "fallback")
        }
        add(["own-uid"], ownUID.enforced, ownUID.how)
        add(["seccomp"], true, "a system call allowlist")
        return list
    }

    /// "unenforced: total-memory, shared-memory, cpu-share (no cgroup per run: …);
    /// scratch-size, scratch-files (…)", or nil when every protection holds: one clause
    /// per reason, so each verdict's detail says what its run was not bounded by.
    static func unenforcedNote(_ protections: [Protection]) -> String? {
        var clauses: [(reason: String, names: [String])] = []
        for protection in protections where !protection.enforced {
            if let i = clauses.firstIndex(where: { $0.reason == protection.how }) {
                clauses[i].names.append(protection.name)
            } else {
                clauses.append((protection.how, [protection.name]))
            }
        }
        guard !clauses.isEmpty else { return nil }
        return "unenforced: " + clauses.map { "\($0.names.joined(separator: ", ")) (\($0.reason))" }.joined(separator: "; ")
    }
}
