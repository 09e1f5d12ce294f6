internal import CSandbox
public import Foundation
internal import Synchronization

/// How untrusted programs are confined.
public enum Isolation: String, Sendable, CaseIterable {
    /// PID, mount, network, IPC and UTS namespaces (inside a user namespace for an ordinary
    /// caller), a private read-only root, no capabilities, rlimits.
    case namespaces
    /// rlimits, a process group and a dedicated uid only: no network or filesystem isolation.
    /// Only ever used when asked for (`--sandbox fallback`).
    case fallback
}

/// Where and how the jail runs programs.
public struct JailConfiguration: Sendable {
    /// nil or `.namespaces`: namespaces, and an error naming the fix where the host forbids
    /// them; untrusted code never runs unconfined unless `.fallback` is asked for.
    public var isolation: Isolation?
    /// Host folders visible read-only inside the jail at the same path (toolchain prefixes).
    public var readOnlyPaths: [String]
    /// Host paths visible read-only inside the jail at another path: (host, jail).
    public var readOnlyMounts: [(String, String)]
    /// First uid of the pool of dedicated identities (one per concurrent run, as root).
    /// nil: a block leased host-wide with a lock file, so two halo-forge processes never
    /// share one, even when both are pid 1 of their containers.
    public var uidBase: UInt32?
    /// Parent folder of the per-sample scratch folders.
    public var scratchRoot: String
    /// Size of a sample's scratch folder, MiB, and the files it may hold: as root each is a
    /// tmpfs of its own (one sample wrote 1.5 GiB and 30,000 files into the host's /tmp).
    public var scratchMiB: Int = 512
    public var scratchFiles: Int = 10_000

    public init(
        isolation: Isolation? = nil, readOnlyPaths: [String] = [], readOnlyMounts: [(String, String)] = [],
        uidBase: UInt32? = nil,
        scratchRoot: String = JailConfiguration.defaultScratchRoot
    ) {
        self.isolation = isolation
        self.readOnlyPaths = readOnlyPaths
        self.readOnlyMounts = readOnlyMounts
        self.uidBase = uidBase
        self.scratchRoot = scratchRoot
    }

    /// The process's own folder under the host's temporary folder; removed at exit when empty.
    /// Made by mkdtemp, not named by the pid: a folder another user (or an earlier process
    /// with the same pid, in another pid namespace) left under that name must not stop us.
    public static let defaultScratchRoot: String = {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/halo-forge-XXXXXX").utf8CString)
        if let made = mkdtemp(&template) { return String(cString: made) }
        return base + "/halo-forge-\(getpid())"
    }()
}

/// A fresh folder for one sample, owned by the sample's dedicated identity.
public struct Scratch: Sendable {
    /// The folder on the host.
    public let hostPath: String
    /// The same folder as the program sees it.
    public let path: String
    public let uid: UInt32

    /// Writes a file the program can read but not change.
    public func write(_ name: String, _ contents: String) throws {
        try Data(contents.utf8).write(to: URL(fileURLWithPath: hostPath + "/" + name))
    }

    public func remove(_ name: String) {
        unlink(hostPath + "/" + name)
    }

    public func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: hostPath + "/" + name)
    }
}

public struct JailError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The one way halo-forge runs an untrusted command.
public final class Jail: Sendable {
    public let isolation: Isolation
    /// Why the fallback is in use, when it is.
    public let fallbackReason: String?
    public let configuration: JailConfiguration
    /// An ordinary caller: each run enters its own user namespace, the caller mapped to root there.
    public let userNamespace: Bool
    /// An ordinary caller's subordinate ids (/etc/subuid): each run's program is one of them.
    let subordinateIDs: SubordinateIDs?
    /// Why an ordinary caller's runs share the caller's uid, in words.
    public let subordinateReason: String?
    /// How memory, processes and CPU are bounded on this host, in words.
    public var limitEnforcement: String { cgroups.description }
    /// A cgroup per run where the host allows it.
    let cgroups: Cgroups
    /// Every protection of a run and whether this host enforces it; decided once, here.
    public let protections: [Protection]
    /// The protections this host does not enforce and why, for each verdict's detail; nil
    /// when all hold.
    public let unenforcedNote: String?
    private let rootDir: String
    /// This jail's own folder: the root mount point and the scratch folders.
    public let folder: String
    private let baseMounts: [(String, String)]
    private let links: [(String, String)]
    private let scratchCounter = Atomic<Int>(0)
    /// First uid of this jail's dedicated identities (as root, or in the subordinate range).
    private let uidBase: UInt32
    /// How many ids from uidBase this process may hand out.
    private let uidCount: UInt32

    /// The environment every program gets: nothing of the caller's leaks in.
    public static let environment: [String: String] = [
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    ]

    public init(_ configuration: JailConfiguration = JailConfiguration()) throws {
        self.configuration = configuration
        let fm = FileManager.default
        // A folder of its own, so several jails can share one scratch root.
        do {
            try fm.createDirectory(atPath: configuration.scratchRoot, withIntermediateDirectories: true)
        } catch {
            throw JailError("cannot create the scratch folder \(configuration.scratchRoot): \(error.localizedDescription)")
        }
        chmod(configuration.scratchRoot, 0o711)
        var template = Array((configuration.scratchRoot + "/jail-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw JailError("cannot create a folder under \(configuration.scratchRoot): \(String(cString: strerror(errno)))")
        }
        folder = String(cString: made)
        chmod(folder, 0o711)
        Jail.removeAtExit(folder: folder, parent: configuration.scratchRoot)
        rootDir = folder + "/.root"
        guard mkdir(rootDir, 0o755) == 0 else { throw JailError("cannot create \(rootDir)") }
        var mounts: [(String, String)] = [("/usr", "/usr"), ("/etc", "/etc")]
        var links: [(String, String)] = []
        for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            if let target = try? fm.destinationOfSymbolicLink(atPath: top) {
                links.append((target, top))
            } else if fm.fileExists(atPath: top) {
                mounts.append((top, top))
            }
        }
        for path in configuration.readOnlyPaths where !mounts.contains(where: { path.hasPrefix($0.1 + "/") || path == $0.1 }) {
            mounts.append((path, path))
        }
        mounts += configuration.readOnlyMounts
        baseMounts = mounts
        self.links = links

        // Without root the jail needs a user namespace.
        userNamespace = geteuid() != 0
        var subordinate: SubordinateIDs?
        var subordinateReason: String?
        if userNamespace {
            switch SubordinateIDs.detect() {
            case .success(let ids): subordinate = ids
            case .failure(let why): subordinateReason = why.description
            }
        }
        if let ids = subordinate {
            (uidBase, uidCount) = try UIDLease.processBase(in: SubordinateIDs.Range(start: ids.uids.start, count: ids.count))
        } else {
            uidBase = userNamespace ? 0 : try configuration.uidBase ?? UIDLease.processBase()
            uidCount = UIDLease.blockSize
        }
        var cgroups = Cgroups.discover()
        // Prove the whole set-up once, so a host that forbids part of it is found now.
        let uidBase = uidBase, userNamespace = userNamespace, rootDir = rootDir
        func probe(_ isolate: Bool, _ cgroups: Cgroups, _ subordinate: SubordinateIDs?) -> RunRecord {
            let folders = (try? cgroups.create(limits: Limits())) ?? []
            defer { cgroups.remove(folders) }
            // The block's first id is the probes' own; runs lease the ones after it.
            return Jail.runBlocking(
                spec: JailSpec(
                    argv: ["/bin/true"], environment: Jail.environment, workdir: "/", isolate: isolate, rootDir: rootDir,
                    mounts: mounts.map { ($0.0, $0.1, false) }, links: links, userNamespace: userNamespace,
                    uid: subordinate != nil ? SubordinateIDs.insideID : userNamespace ? 0 : uidBase,
                    limits: Limits(wallSeconds: 10), stdin: Data(), reportFD: -1,
                    cgroups: folders.map { $0 + "/cgroup.procs" }, subordinate: subordinate, hostUID: uidBase))
        }
        let isolate = configuration.isolation != .fallback
        if isolate, let ids = subordinate {
            let mapped = probe(true, .none, ids)
            if mapped.status != .ok && probe(true, .none, nil).status == .ok {
                subordinate = nil
                subordinateReason = "subordinate ids refused: " + (mapped.status == .internalError ? mapped.error : mapped.summary)
            }
        }
        subordinateIDs = subordinate
        self.subordinateReason = subordinateReason
        if cgroups.version != nil {
            let joined = probe(isolate, cgroups, subordinate)
            if joined.status != .ok && probe(isolate, .none, subordinate).status == .ok {
                cgroups.parents.forEach { rmdir($0) }
                cgroups = Cgroups(version: nil, parents: [], reason: "cannot join a run's cgroup: \(joined.error)")
            }
        }
        self.cgroups = cgroups
        Jail.removeAtExit(cgroups: cgroups.parents)
        if isolate {
            let probe = probe(true, cgroups, subordinate)
            if probe.status != .ok {
                let reason = probe.status == .internalError ? probe.error : probe.summary + " " + probe.stderrText
                try? fm.removeItem(atPath: folder)
                let oneLine = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
                throw JailError(Jail.refusal(oneLine.trimmingCharacters(in: .whitespaces), userNamespace: userNamespace))
            }
        }
        isolation = configuration.isolation ?? .namespaces
        fallbackReason = isolation == .fallback ? "requested with --sandbox fallback" : nil
        protections = Jail.protections(
            isolation: isolation, fallbackReason: fallbackReason, cgroups: cgroups, scratchIsTmpfs: geteuid() == 0,
            configuration: configuration, subordinate: subordinate != nil, subordinateReason: subordinateReason)
        unenforcedNote = Jail.unenforcedNote(protections)
    }

    /// One line: why the host refused the namespaces and exactly what to do about it.
    static func refusal(_ reason: String, userNamespace: Bool) -> String {
        func sysctl(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let head = "the sandbox cannot isolate samples on this host (\(reason)); nothing was run unsandboxed."
        let fallback = "Or pass --sandbox fallback to run model-written code with rlimits only, as your own user, able to read your files."
        guard userNamespace else {
            return head + " Run as root with CAP_SYS_ADMIN, or as an ordinary user where user namespaces are allowed. " + fallback
        }
        if sysctl("/proc/sys/user/max_user_namespaces") == "0" {
            return head + " User namespaces are switched off (user.max_user_namespaces = 0): `sudo sysctl -w user.max_user_namespaces=15000`. " + fallback
        }
        let apparmor = "Allow unprivileged user namespaces: `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or install halo-forge's AppArmor profile: `sudo install -m 644 packaging/apparmor/halo-forge /etc/apparmor.d/halo-forge && sudo apparmor_parser -r /etc/apparmor.d/halo-forge`."
        if sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1" {
            return head + " AppArmor restricts unprivileged user namespaces. " + apparmor + " " + fallback
        }
        return head + " " + apparmor + " In a container, allow unshare/clone of user namespaces (seccomp, CAP_SYS_ADMIN). " + fallback
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
        Jail.leftovers.withLock { $0.folders.removeAll { $0 == folder } }
        // Only when empty: another jail (or another process that is pid N too) may use them.
        rmdir(configuration.scratchRoot)
        rmdir(JailConfiguration.defaultScratchRoot)
        cgroups.parents.forEach { rmdir($0) }
    }

    /// Jails that live as long as the process (a test suite's, a command's) never reach
    /// deinit, and their scratch roots were left behind under /tmp: an exit hook removes
    /// each jail's own folder, then the roots above it where empty.
    private static let leftovers = Mutex<(folders: [String], parents: [String], cgroups: [String], hooked: Bool)>(([], [], [], false))

    private static func removeAtExit(cgroups: [String]) {
        leftovers.withLock { state in
            for folder in cgroups where !state.cgroups.contains(folder) { state.cgroups.append(folder) }
        }
    }

    private static func removeAtExit(folder: String, parent: String) {
        leftovers.withLock { state in
            state.folders.append(folder)
            if !state.parents.contains(parent) { state.parents.append(parent) }
            if !state.hooked {
                state.hooked = true
                atexit { Jail.removeLeftovers() }
            }
        }
    }

    private static func removeLeftovers() {
        let (folders, parents, cgroups) = leftovers.withLock { state in
            defer { state.folders = []; state.parents = []; state.cgroups = [] }
            return (state.folders, state.parents, state.cgroups)
        }
        cgroups.forEach { rmdir($0) }
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
        for parent in parents { rmdir(parent) }
        rmdir(JailConfiguration.defaultScratchRoot)
    }

    /// As root each scratch folder is a size- and inode-limited tmpfs; an ordinary user
    /// cannot mount one on the host.
    public var scratchIsTmpfs: Bool { geteuid() == 0 }

    /// How the scratch folder is bounded, in words.
    public var scratchEnforcement: String {
        scratchIsTmpfs
            ? "scratch: a tmpfs per sample (\(configuration.scratchMiB) MiB, \(configuration.scratchFiles) files)"
            : "scratch: a host folder, bounded only by the file size limit per file (a tmpfs per sample needs root)"
    }

    /// A one-line account of the active protections.
    public var featureSummary: String {
        switch isolation {
        case .namespaces:
            userNamespace
                ? "namespaces (user: \(userIdentity), pid, mount, net, ipc, uts), private read-only root, all capabilities dropped, seccomp; limits: \(limitEnforcement); \(scratchEnforcement)"
                : "namespaces (pid, mount, net, ipc, uts), private read-only root, a dedicated uid per run, all capabilities dropped, seccomp; limits: \(limitEnforcement); \(scratchEnforcement)"
        case .fallback:
            "FALLBACK: rlimits, process group and "
                + (geteuid() == 0 ? "a dedicated uid" : "the caller's own uid")
                + "; no network or filesystem isolation (\(fallbackReason ?? ""))"
        }
    }

    /// Whose uid an ordinary caller's programs run as, in words.
    public var userIdentity: String {
        if let ids = subordinateIDs {
            return "a subordinate uid per run from /etc/subuid (\(uidBase + 1)…\(uidBase + uidCount - 1) of \(ids.uids.start)+\(ids.uids.count))"
        }
        return "one uid per user namespace (\(subordinateReason ?? "no /etc/subuid range"))"
    }

    /// Leases a dedicated identity and a fresh scratch folder for `body`, then removes the folder.
    public func withScratch<T: Sendable>(_ body: (Scratch) async throws -> T) async throws -> T {
        let uid = leaseUID()
        defer { releaseUID(uid) }
        let n = scratchCounter.add(1, ordering: .relaxed).newValue
        let hostPath = folder + "/s\(n)"
        guard mkdir(hostPath, 0o700) == 0 else {
            throw JailError("cannot create scratch folder \(hostPath): \(String(cString: strerror(errno)))")
        }
        let bounded = scratchIsTmpfs
        if bounded {
            let options = "size=\(configuration.scratchMiB)m,nr_inodes=\(configuration.scratchFiles),mode=0700,uid=\(uid),gid=\(uid)"
            guard mount("tmpfs", hostPath, "tmpfs", UInt(MS_NOSUID | MS_NODEV), options) == 0 else {
                let why = String(cString: strerror(errno))
                rmdir(hostPath)
                throw JailError("cannot mount the scratch tmpfs at \(hostPath): \(why)")
            }
        } else if geteuid() == 0 {
            chown(hostPath, uid, uid)
        }
        let scratch = Scratch(hostPath: hostPath, path: isolation == .namespaces ? "/box" : hostPath, uid: uid)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(scratch))
        } catch {
            result = .failure(error)
        }
        if bounded { umount2(hostPath, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(atPath: hostPath)
        if FileManager.default.fileExists(atPath: hostPath), subordinateIDs != nil, isolation == .namespaces {
            // Folders the program made are its subordinate uid's, out of the caller's reach:
            // that uid empties them from inside a namespace that maps it.
            _ = await run(
                ["/bin/sh", "-c", "chmod -R u+rwx /box/* /box/.[!.]* /box/..?* 2>/dev/null; rm -rf /box/* /box/.[!.]* /box/..?*"],
                in: scratch, limits: Limits(wallSeconds: 60))
            try? FileManager.default.removeItem(atPath: hostPath)
        }
        return try result.get()
    }

    /// Runs `argv` in the jail with `scratch` as its working folder. Never throws: a
    /// failure of the sandbox itself is a record with status `internalError`.
    public func run(
        _ argv: [String], in scratch: Scratch, limits: Limits, stdin: Data = Data(), reportFD: Int32? = nil,
        environment: [String: String] = Jail.environment
    ) async -> RunRecord {
        var env = environment
        if isolation == .fallback {
            env["TMPDIR"] = scratch.hostPath
            env["HOME"] = scratch.hostPath
        }
        // Scratch first: a toolchain or venv under the host's /tmp is mounted on top of it, not hidden.
        let mounts = [(scratch.hostPath, "/box", true), (scratch.hostPath, "/tmp", true)] + baseMounts.map { ($0.0, $0.1, false) }
        let subordinate = isolation == .namespaces ? subordinateIDs : nil
        let spec = JailSpec(
            argv: argv, environment: env, workdir: scratch.path, isolate: isolation == .namespaces, rootDir: rootDir,
            mounts: mounts, links: links, userNamespace: userNamespace,
            uid: geteuid() == 0 ? scratch.uid : subordinate != nil ? SubordinateIDs.insideID : 0, limits: limits,
            stdin: stdin, reportFD: reportFD ?? -1, cgroups: [], subordinate: subordinate, hostUID: scratch.uid,
            ownDir: subordinate != nil ? "/box" : nil)
        let cgroups = cgroups
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                var spec = spec
                let folders: [String]
                do {
                    folders = try cgroups.create(limits: limits)
                } catch {
                    continuation.resume(returning: RunRecord(status: .internalError, error: "\(error)"))
                    return
                }
                spec.cgroups = folders.map { $0 + "/cgroup.procs" }
                var record = Jail.runBlocking(spec: spec)
                // The OOM killer's SIGKILL is the run's memory limit, not a crash.
                if record.status != .ok && record.status != .internalError && cgroups.oomKilled(folders) {
                    record.status = .memoryLimit
                }
                cgroups.remove(folders)
                continuation.resume(returning: record)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Identities are leased process-wide: two jails must never hand out the same uid,
    /// or one's clean-up (kill every process of the uid) would hit the other's runs.
    private static let leasedUIDs = Mutex<Set<UInt32>>([])

    private func leaseUID() -> UInt32 {
        Jail.leasedUIDs.withLock { leased in
            // Never shared: past an ordinary caller's block newuidmap refuses the id, and the
            // run is an internal error.
            var uid = uidBase + 1
            while leased.contains(uid) { uid += 1 }
            leased.insert(uid)
            return uid
        }
    }

    private func releaseUID(_ uid: UInt32) {
        _ = Jail.leasedUIDs.withLock { $0.remove(uid) }
    }

    static func runBlocking(spec: JailSpec) -> RunRecord {
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ s: String) -> UnsafePointer<CChar> {
            let p = strdup(s)!
            strings.append(p)
            return UnsafePointer(p)
        }
        let argv: [UnsafePointer<CChar>?] = spec.argv.map(c) + [nil]
        let envp: [UnsafePointer<CChar>?] = spec.environment.sorted { $0.key < $1.key }.map { c("\($0.key)=\($0.value)") } + [nil]
        let mounts = spec.mounts.map { hf_mount(source: c($0.0), target: c($0.1), writable: $0.2 ? 1 : 0) }
        let links = spec.links.map { hf_link(target: c($0.0), path: c($0.1)) }
        let workdir = c(spec.workdir)
        let uidMap = c("0 \(geteuid()) 1\n")
        let gidMap = c("0 \(getegid()) 1\n")
        let helpers = spec.isolate && spec.userNamespace ? spec.subordinate?.helperArguments(hostUID: spec.hostUID) : nil
        let uidHelper: [UnsafePointer<CChar>?] = helpers.map { $0.uid.map(c) + [nil] } ?? []
        let gidHelper: [UnsafePointer<CChar>?] = helpers.map { $0.gid.map(c) + [nil] } ?? []
        let ownDir = spec.ownDir.map(c)
        let rootDir = c(spec.rootDir)
        let cgroupFiles: [UnsafePointer<CChar>?] = spec.cgroups.map(c)
        let limits = spec.limits
        var result = hf_result()
        let stdinBytes = [UInt8](spec.stdin)
        argv.withUnsafeBufferPointer { argvBuf in
            envp.withUnsafeBufferPointer { envBuf in
                mounts.withUnsafeBufferPointer { mountBuf in
                    links.withUnsafeBufferPointer { linkBuf in
                        stdinBytes.withUnsafeBufferPointer { stdinBuf in
                          cgroupFiles.withUnsafeBufferPointer { cgroupBuf in
                          uidHelper.withUnsafeBufferPointer { uidHelperBuf in
                          gidHelper.withUnsafeBufferPointer { gidHelperBuf in
                            var cspec = hf_spec()
                            cspec.uid_map_helper = uidHelperBuf.isEmpty ? nil : uidHelperBuf.baseAddress
                            cspec.gid_map_helper = gidHelperBuf.isEmpty ? nil : gidHelperBuf.baseAddress
                            cspec.own_dir = ownDir
                            cspec.argv = argvBuf.baseAddress
                            cspec.envp = envBuf.baseAddress
                            cspec.workdir = workdir
                            cspec.isolate = spec.isolate ? 1 : 0
                            cspec.user_ns = spec.isolate && spec.userNamespace ? 1 : 0
                            cspec.uid_map = uidMap
                            cspec.gid_map = gidMap
                            cspec.root_dir = rootDir
                            cspec.mounts = mountBuf.baseAddress
                            cspec.mount_count = Int32(mountBuf.count)
                            cspec.links = linkBuf.baseAddress
                            cspec.link_count = Int32(linkBuf.count)
                            // A network namespace per run: concurrent samples must not meet
                            // on loopback or an abstract unix socket.
                            cspec.net_ns_fd = -1
                            cspec.uid = spec.uid
                            cspec.gid = spec.uid
                            cspec.wall_seconds = limits.wallSeconds
                            cspec.cpu_seconds = limits.cpuSeconds
                            cspec.memory_bytes = Int64(limits.memoryMiB) << 20
                            cspec.file_size_bytes = Int64(limits.fileSizeMiB) << 20
                            cspec.processes = limits.processes
                            cspec.open_files = limits.openFiles
                            cspec.output_limit = limits.outputKiB << 10
                            cspec.stdin_data = stdinBuf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
                            cspec.stdin_len = stdinBuf.count
                            cspec.report_fd = spec.reportFD
                            cspec.cgroups = cgroupBuf.baseAddress
                            cspec.cgroup_count = Int32(cgroupBuf.count)
                            _ = hf_run(&cspec, &result)
                          }
                          }
                          }
                        }
                    }
                }
            }
        }
        defer { hf_result_free(&result) }
        func data(_ p: UnsafeMutablePointer<CChar>?, _ n: Int) -> Data {
            guard let p, n > 0 else { return Data() }
            return Data(bytes: p, count: n)
        }
        var record = RunRecord(
            status: .ok, exitCode: result.exit_code, signal: result.term_signal, wallSeconds: result.wall_seconds,
            cpuSeconds: result.cpu_seconds, maxRSSKiB: result.max_rss_kb, stdout: data(result.out, result.out_len),
            stderr: data(result.err, result.err_len), report: data(result.report, result.report_len),
            error: withUnsafeBytes(of: result.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        record.status = classify(result: result, record: record, limits: limits)
        return record
    }

    /// Names the limit a run hit, from how it ended and what it left behind.
    static func classify(result: hf_result, record: RunRecord, limits: Limits) -> RunStatus {
        switch Int32(result.ended_by) {
        case Int32(HF_END_WALL_TIME.rawValue): return .wallTimeLimit
        case Int32(HF_END_OUTPUT_LIMIT.rawValue): return .outputLimit
        case Int32(HF_END_INTERNAL_ERROR.rawValue): return .internalError
        default: break
        }
        if result.ended_by == Int32(HF_END_SIGNALED.rawValue) {
            if result.term_signal == SIGXCPU || (result.term_signal == SIGKILL && record.cpuSeconds >= limits.cpuSeconds) {
                return .cpuTimeLimit
            }
            if result.term_signal == SIGXFSZ { return .fileSizeLimit }
        }
        if result.ended_by == Int32(HF_END_EXITED.rawValue) && result.exit_code == 0 { return .ok }
        let tail = String(decoding: record.stderr.suffix(4096), as: UTF8.self)
        for marker in ["MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory", "memory exhausted"]
        where tail.contains(marker) {
            return .memoryLimit
        }
        return result.ended_by == Int32(HF_END_SIGNALED.rawValue) ? .signaled : .runtimeError
    }
}

/// Everything one run needs, as plain values.
struct JailSpec: Sendable {
    var argv: [String]
    var environment: [String: String]
    var workdir: String
    var isolate: Bool
    var rootDir: String
    var mounts: [(String, String, Bool)]
    var links: [(String, String)]
    var userNamespace: Bool
    var uid: UInt32
    var limits: Limits
    var stdin: Data
    var reportFD: Int32
    /// cgroup.procs files of the run's own cgroups, joined before it starts.
    var cgroups: [String]
    /// An ordinary caller's subordinate ids: the program is `uid` inside, `hostUID` outside.
    var subordinate: SubordinateIDs? = nil
    var hostUID: UInt32 = 0
    /// A folder inside the jail handed to the program's group (the scratch).
    var ownDir: String? = nil
}
