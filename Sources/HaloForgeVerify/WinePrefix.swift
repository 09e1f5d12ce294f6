internal import Foundation
internal import HaloForgeCore
internal import HaloForgeSandbox

/// The wine prefix (the Windows directory tree and registry) that Windows programs run in.
///
/// `wineboot` takes seconds and writes ~700 MB, nearly all of it copies of wine's own
/// DLLs, so it runs once per host and wine version into halo-forge's cache, outside the
/// jail (trusted code, no candidate input), and the copies become symbolic links to wine's
/// files (13 MB left). Each sample then gets a prefix of its own in its scratch folder,
/// owned by its identity as wine demands: a handful of links into that template, which the
/// jail shows read-only. Its wineserver runs inside the sample's jail and dies with it.
final class WinePrefix: Sendable {
    /// The template on the host, and where programs see it.
    let hostTemplate: String
    let jailTemplate: String

    /// wine's helper programs a console program does not need: skipping them (and the
    /// wineboot that starts them) takes a cold start from ~1.5 s to ~0.1 s.
    static let disabledPrograms = [
        "wineboot.exe", "winemenubuilder.exe", "explorer.exe", "services.exe", "plugplay.exe", "winedevice.exe",
        "svchost.exe", "rpcss.exe", "winedbg.exe",
    ]

    init(hostTemplate: String, jailTemplate: String) {
        self.hostTemplate = hostTemplate
        self.jailTemplate = jailTemplate
    }

    /// The environment of a program run under wine with the prefix in `prefixPath`.
    static func environment(prefixPath: String) -> [String: String] {
        var env = Jail.environment
        env["WINEPREFIX"] = prefixPath
        env["WINEDEBUG"] = "-all"
        env["WINEDLLOVERRIDES"] = disabledPrograms.joined(separator: ",") + "=d"
        env["USER"] = "halo-forge"
        return env
    }

    /// Gives `scratch` a prefix of its own; returns its path as the program sees it.
    func install(in scratch: Scratch) throws -> String {
        let fm = FileManager.default
        let host = scratch.hostPath + "/.wine"
        for dir in [host, host + "/dosdevices", host + "/drive_c"] {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: false)
            // wine refuses a prefix its user does not own; the rest stays read-only to it.
            if geteuid() == 0 { chown(dir, scratch.uid, scratch.uid) }
        }
        for name in ["system.reg", "user.reg", "userdef.reg", ".update-timestamp"] {
            try fm.createSymbolicLink(atPath: host + "/" + name, withDestinationPath: jailTemplate + "/" + name)
        }
        try fm.createSymbolicLink(atPath: host + "/dosdevices/c:", withDestinationPath: "../drive_c")
        try fm.createSymbolicLink(atPath: host + "/dosdevices/z:", withDestinationPath: "/")
        for entry in try fm.contentsOfDirectory(atPath: hostTemplate + "/drive_c") {
            try fm.createSymbolicLink(atPath: host + "/drive_c/" + entry, withDestinationPath: jailTemplate + "/drive_c/" + entry)
        }
        return scratch.path + "/.wine"
    }

    /// halo-forge's cache folder: $HALO_FORGE_HOME, else ~/.cache/halo-forge.
    static var cacheHome: String { CacheHome.folder }

    /// The template for `wine`, built on first use; its path on the host.
    static func template(wine: Tool, cache: String = WinePrefix.cacheHome) throws -> String {
        let fm = FileManager.default
        guard let version = Toolchains.capture(wine.path, ["--version"])?.trimmingCharacters(in: .whitespacesAndNewlines),
            !version.isEmpty
        else {
            throw JailError("\(wine.path) --version failed: reinstall wine (Debian: apt-get install wine wine64)")
        }
        let safe = String(version.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
        let folder = cache + "/wine-prefix"
        let target = folder + "/" + safe
        if fm.fileExists(atPath: target + "/system.reg") { return target }
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // One builder per host: others wait on the lock, then find the template made.
        let lock = open(folder + "/.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw JailError("cannot create \(folder)/.lock: \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }
        if fm.fileExists(atPath: target + "/system.reg") { return target }
        let partial = folder + "/.partial-\(getpid())"
        try? fm.removeItem(atPath: partial)
        try build(wine: wine, into: partial)
        try? fm.removeItem(atPath: target)
        try fm.moveItem(atPath: partial, toPath: target)
        return target
    }

    private static func build(wine: Tool, into prefix: String) throws {
        let fm = FileManager.default
        var env = ProcessInfo.processInfo.environment
        env["WINEPREFIX"] = prefix
        env["WINEDEBUG"] = "-all"
        env["WINEDLLOVERRIDES"] = "winemenubuilder.exe=d;mscoree=;mshtml="
        env["DISPLAY"] = nil
        func run(_ arguments: [String], executable: String = wine.path) -> Int32 {
            Subprocess.runBlocking(executable, arguments, environment: env, stdout: .discard, stderr: .discard).status
        }
        let status = run(["wineboot", "--init"])
        // wineboot returns before its wineserver has written the registry: wait for it.
        let binDir = URL(fileURLWithPath: wine.path).deletingLastPathComponent().path
        let server = ["wineserver64", "wineserver"].map { binDir + "/" + $0 }.first { fm.isExecutableFile(atPath: $0) }
        if let server { _ = run(["-w"], executable: server) }
        guard status == 0, fm.fileExists(atPath: prefix + "/system.reg") else {
            try? fm.removeItem(atPath: prefix)
            throw JailError("wineboot --init failed (status \(status)) for a prefix in \(prefix): check that wine runs")
        }
        try? fm.removeItem(atPath: prefix + "/wineserver")
        linkWineFiles(in: prefix, wine: wine)
        _ = run(["-R", "a+rX", prefix], executable: "/bin/chmod")
    }

    /// Replaces each file that is a byte-for-byte copy of one of wine's own PE files with a link to it.
    private static func linkWineFiles(in prefix: String, wine: Tool) {
        let fm = FileManager.default
        let sources = [
            "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows", wine.prefix + "/lib/wine/x86_64-windows",
            wine.prefix + "/lib64/wine/x86_64-windows", wine.prefix + "/lib/x86_64-linux-gnu/wine/x86_64-windows",
        ]
        guard let source = sources.first(where: { fm.fileExists(atPath: $0) }) else { return }
        guard let walker = fm.enumerator(atPath: prefix) else { return }
        for case let relative as String in walker {
            let path = prefix + "/" + relative
            let original = source + "/" + URL(fileURLWithPath: relative).lastPathComponent
            guard let attributes = try? fm.attributesOfItem(atPath: path), attributes[.type] as? FileAttributeType == .typeRegular,
                let size = attributes[.size] as? Int, size > 4096,
                (try? fm.attributesOfItem(atPath: original))?[.size] as? Int == size,
                fm.contentsEqual(atPath: path, andPath: original)
            else { continue }
            try? fm.removeItem(atPath: path)
            try? fm.createSymbolicLink(atPath: path, withDestinationPath: original)
        }
    }
}
