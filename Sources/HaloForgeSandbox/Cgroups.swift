internal import Foundation
internal import Synchronization

/// A cgroup per run, where the host lets halo-forge make one: the run's total memory
/// (shared memory and tmpfs pages included, which the per-process address-space limit
/// misses), its process count and an equal CPU share, so one sample cannot starve or
/// exhaust its neighbours. cgroup v2 needs a cgroup delegated to us with the memory, pids
/// and cpu controllers; cgroup v1 needs write access to those hierarchies (root).
struct Cgroups: Sendable {
    enum Version: String, Sendable { case v1, v2 }

    /// nil: no cgroups; rlimits only.
    let version: Version?
    /// This process's folder in each hierarchy (v2: one), holding one folder per run.
    let parents: [String]
    /// The controller of each parent's hierarchy (v1), or "all" (v2).
    var controllers: [String] = []
    /// Why no cgroup is used, when none is.
    let reason: String?

    private static let runCounter = Atomic<Int>(0)

    static let none = Cgroups(version: nil, parents: [], reason: "disabled")

    /// A phrase for `test --level smoke` and the feature summary.
    var description: String {
        let rlimits = "rlimits per process (address space, CPU time, file size, open files, processes)"
        guard let version else {
            return rlimits + "; no cgroup per run (\(reason ?? "")), so shared memory, a run's total memory and its CPU share are not bounded"
        }
        return "a cgroup \(version.rawValue) per run (memory incl. shared memory, processes, equal CPU share) + " + rlimits
    }

    /// Finds what this host allows and makes this process's parent folder(s).
    static func discover() -> Cgroups {
        guard let mountinfo = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8),
              let membership = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        else { return Cgroups(version: nil, parents: [], reason: "cannot read /proc/self/cgroup") }
        // mountinfo: "ID PARENT DEV ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPEROPTIONS"
        var v1Mounts: [String: String] = [:]
        var v2Mount: String?
        for line in mountinfo.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let left = halves[0].split(separator: " "), right = halves[1].split(separator: " ")
            guard left.count >= 5, right.count >= 3 else { continue }
            if right[0] == "cgroup2" { v2Mount = String(left[4]) }
            if right[0] == "cgroup" {
                for option in right[2].split(separator: ",") where ["memory", "pids", "cpu"].contains(String(option)) {
                    v1Mounts[String(option)] = String(left[4])
                }
            }
        }
        var v1Paths: [String: String] = [:]
        var v2Path: String?
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if fields[0] == "0" && fields[1].isEmpty { v2Path = String(fields[2]) }
            for controller in fields[1].split(separator: ",") { v1Paths[String(controller)] = String(fields[2]) }
        }
        // Not the pid alone: two halo-forge processes can both be pid 1 of their namespaces.
        let name = "halo-forge-\(getpid())-" + String(UInt32.random(in: 0..<UInt32.max), radix: 16)
        var v2Reason = "no cgroup v2 mounted"
        if let mount = v2Mount, let path = v2Path {
            let own = mount + (path == "/" ? "" : path)
            let controllers = (try? String(contentsOfFile: own + "/cgroup.controllers", encoding: .utf8))?
                .split(whereSeparator: \.isWhitespace).map(String.init) ?? []
            let missing = ["memory", "pids", "cpu"].filter { !controllers.contains($0) }
            if !missing.isEmpty {
                v2Reason = "cgroup v2 \(own) lacks the \(missing.joined(separator: ", ")) controller(s)"
            } else if let failure = prepareV2(own: own, name: name) {
                v2Reason = failure
            } else {
                return Cgroups(version: .v2, parents: [own + "/" + name], controllers: ["all"], reason: nil)
            }
        }
        // cgroup v1, as root: one folder per controller hierarchy.
        var parents: [String] = []
        for controller in ["memory", "pids", "cpu"] {
            guard let mount = v1Mounts[controller], let path = v1Paths[controller] else {
                return Cgroups(version: nil, parents: [], reason: v2Reason + "; no cgroup v1 \(controller) hierarchy")
            }
            let parent = mount + (path == "/" ? "" : path) + "/" + name
            if mkdir(parent, 0o755) != 0 {
                let why = String(cString: strerror(errno))
                parents.forEach { rmdir($0) }
                return Cgroups(version: nil, parents: [], reason: v2Reason + "; cannot create \(parent): \(why)")
            }
            parents.append(parent)
            // All runs share this parent's weight against every other task on the host:
            // weigh it as one task per core, so the sandbox as a whole is not throttled.
            if controller == "cpu" { _ = write(parent + "/cpu.shares", String(1024 * ProcessInfo.processInfo.activeProcessorCount)) }
        }
        return Cgroups(version: .v1, parents: parents, controllers: ["memory", "pids", "cpu"], reason: nil)
    }

    /// cgroup v2: controllers reach a child only through the parent's subtree_control, and
    /// a cgroup with processes of its own cannot hand them out (the "no internal processes" rule).
    private static func prepareV2(own: String, name: String) -> String? {
        func enable(_ folder: String) -> Bool {
            let control = (try? String(contentsOfFile: folder + "/cgroup.subtree_control", encoding: .utf8)) ?? ""
            if ["memory", "pids", "cpu"].allSatisfy({ control.contains($0) }) { return true }
            return write(folder + "/cgroup.subtree_control", "+memory +pids +cpu")
        }
        guard access(own + "/cgroup.procs", W_OK) == 0 else { return "cgroup v2 \(own) is not delegated to uid \(geteuid())" }
        guard enable(own) else {
            return "cgroup v2 \(own) holds processes, so it cannot hand out controllers (start halo-forge in a delegated cgroup of its own, e.g. systemd-run --user --scope -p Delegate=yes)"
        }
        let parent = own + "/" + name
        if mkdir(parent, 0o755) != 0 { return "cannot create \(parent): \(String(cString: strerror(errno)))" }
        guard enable(parent) else {
            rmdir(parent)
            return "cannot enable controllers in \(parent)"
        }
        _ = write(parent + "/cpu.weight", String(min(10_000, 100 * ProcessInfo.processInfo.activeProcessorCount)))
        return nil
    }

    static func write(_ path: String, _ text: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return text.withCString { Foundation.write(fd, $0, strlen($0)) } == text.utf8.count
    }

    /// Makes the run's folders with its limits; returns them (empty without cgroups).
    func create(limits: Limits) throws -> [String] {
        guard let version else { return [] }
        let name = "run-\(Cgroups.runCounter.add(1, ordering: .relaxed).newValue)"
        var made: [String] = []
        func fail(_ what: String) -> JailError {
            remove(made)
            return JailError("cgroup \(what): \(String(cString: strerror(errno)))")
        }
        let memory = String(Int64(limits.memoryMiB) << 20)
        for (parent, controller) in zip(parents, controllers) {
            let folder = parent + "/" + name
            guard mkdir(folder, 0o755) == 0 else { throw fail("mkdir \(folder)") }
            made.append(folder)
            switch (version, controller) {
            case (.v2, _):
                guard Cgroups.write(folder + "/memory.max", memory), Cgroups.write(folder + "/pids.max", String(limits.processes))
                else { throw fail("limits in \(folder)") }
                _ = Cgroups.write(folder + "/memory.swap.max", "0")
            case (.v1, "memory"):
                guard Cgroups.write(folder + "/memory.limit_in_bytes", memory) else { throw fail("memory.limit_in_bytes in \(folder)") }
                _ = Cgroups.write(folder + "/memory.memsw.limit_in_bytes", memory)
            case (.v1, "pids"):
                guard Cgroups.write(folder + "/pids.max", String(limits.processes)) else { throw fail("pids.max in \(folder)") }
            case (.v1, _):
                break  // cpu: each run's group has the default 1024 shares, equal to its neighbours'
            }
        }
        return made
    }

    /// Whether the kernel's OOM killer ended a process of the run (its memory limit).
    func oomKilled(_ folders: [String]) -> Bool {
        for folder in folders {
            for file in ["/memory.events", "/memory.oom_control"] {
                guard let text = try? String(contentsOfFile: folder + file, encoding: .utf8) else { continue }
                for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
                    if (Int(line.dropFirst(9)) ?? 0) > 0 { return true }
                }
            }
        }
        return false
    }

    /// Removes the run's folders once its processes are gone (the pid namespace is, when
    /// its init has been reaped; a moment's retry covers the kernel's own bookkeeping).
    func remove(_ folders: [String]) {
        for folder in folders {
            for attempt in 0..<50 {
                if rmdir(folder) == 0 || errno == ENOENT { break }
                if attempt < 49 { usleep(2000) }
            }
        }
    }
}
