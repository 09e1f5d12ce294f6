internal import Foundation

/// Whether this host lets halo-forge bound a run's memory (shared memory included),
/// processes and CPU share with a cgroup v2 of its own, and if not, why.
enum CgroupProbe {
    /// The cgroup v2 folder this process lives in, when the unified hierarchy is mounted.
    static func ownCgroup() -> String? {
        guard let mountinfo = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8),
              let membership = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        else { return nil }
        // mountinfo: "... MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPER"
        let mount = mountinfo.split(separator: "\n").first { $0.contains(" - cgroup2 ") }
            .map { $0.split(separator: " ")[4] }
        let path = membership.split(separator: "\n").first { $0.hasPrefix("0::") }.map { $0.dropFirst(3) }
        guard let mount, let path else { return nil }
        return String(mount) + (path == "/" ? "" : String(path))
    }

    /// One phrase for `test --level smoke` and the verdicts: which limits hold and how.
    static func describe() -> String {
        let rlimits = "rlimits per process (address space, CPU time, file size, open files, processes per uid)"
        guard let cgroup = ownCgroup() else { return rlimits + "; no cgroup v2 mounted, so shared memory, the run's total memory and CPU share are not bounded" }
        let controllers = (try? String(contentsOfFile: cgroup + "/cgroup.controllers", encoding: .utf8))?
            .split(whereSeparator: \.isWhitespace).map(String.init) ?? []
        let missing = ["memory", "pids", "cpu"].filter { !controllers.contains($0) }
        if !missing.isEmpty {
            return rlimits + "; cgroup \(cgroup) lacks the \(missing.joined(separator: ", ")) controller(s), so shared memory, the run's total memory and CPU share are not bounded"
        }
        if access(cgroup, W_OK) != 0 {
            return rlimits + "; cgroup \(cgroup) is not delegated to uid \(geteuid()), so shared memory, the run's total memory and CPU share are not bounded"
        }
        return rlimits + "; cgroup \(cgroup) is delegated but per-run cgroups are not used yet"
    }
}
