internal import Foundation

/// The caller's subordinate uid and gid ranges (/etc/subuid, /etc/subgid) and the setuid
/// helpers that map them into a user namespace: with them every run of an ordinary user
/// gets a uid of its own, so runs cannot signal, trace or write each other even if
/// something else fails, and what they leave is owned by ids that are not the user's.
struct SubordinateIDs: Sendable, Equatable {
    struct Range: Sendable, Equatable {
        var start: UInt32
        var count: UInt32
    }

    var uids: Range
    var gids: Range
    var newuidmap: String
    var newgidmap: String

    /// Ids usable in both ranges, from the start of each.
    var count: UInt32 { min(uids.count, gids.count) }

    /// The first range of `file` for the user `name` or `uid`; nil when it has none.
    /// Lines are `owner:start:count`, owner a name or a number; `#` starts a comment.
    static func range(in text: String, name: String, uid: UInt32) -> Range? {
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, !line.hasPrefix("#") else { continue }
            let owner = fields[0].trimmingCharacters(in: .whitespaces)
            guard owner == name || owner == String(uid),
                  let start = UInt32(fields[1].trimmingCharacters(in: .whitespaces)),
                  let count = UInt32(fields[2].trimmingCharacters(in: .whitespaces)), count > 0,
                  UInt64(start) + UInt64(count) <= UInt64(UInt32.max)
            else { continue }
            return Range(start: start, count: count)
        }
        return nil
    }

    /// The caller's ranges and helpers, or why there are none (words for the smoke line).
    static func detect(
        subuid: String = "/etc/subuid", subgid: String = "/etc/subgid",
        helperFolders: [String] = ["/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin"]
    ) -> Result<SubordinateIDs, JailError> {
        let uid = geteuid()
        let name = getpwuid(uid).map { String(cString: $0.pointee.pw_name) } ?? String(uid)
        func find(_ path: String) -> Range? {
            (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { range(in: $0, name: name, uid: uid) }
        }
        guard let uids = find(subuid) else { return .failure(JailError("no \(subuid) range")) }
        guard let gids = find(subgid) else { return .failure(JailError("no \(subgid) range")) }
        func helper(_ tool: String) -> String? {
            helperFolders.map { $0 + "/" + tool }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let newuidmap = helper("newuidmap"), let newgidmap = helper("newgidmap") else {
            return .failure(JailError("no newuidmap/newgidmap; Debian package uidmap"))
        }
        // Each run needs one id besides the probe's.
        guard min(uids.count, gids.count) >= 2 else { return .failure(JailError("subordinate range too small")) }
        return .success(SubordinateIDs(uids: uids, gids: gids, newuidmap: newuidmap, newgidmap: newgidmap))
    }

    /// The uid the program has inside its namespace (an ordinary one, not root).
    static let insideID: UInt32 = 1000

    /// newuidmap/newgidmap arguments after the pid: the caller is root inside, and
    /// `hostUID` (one id of the subordinate range) is `insideID`.
    func helperArguments(hostUID: UInt32) -> (uid: [String], gid: [String]) {
        let offset = hostUID - uids.start
        return (
            [newuidmap, "0", "\(geteuid())", "1", "\(Self.insideID)", "\(hostUID)", "1"],
            [newgidmap, "0", "\(getegid())", "1", "\(Self.insideID)", "\(gids.start + offset)", "1"]
        )
    }

    /// The host gid paired with `hostUID`.
    func hostGID(_ hostUID: UInt32) -> UInt32 { gids.start + (hostUID - uids.start) }
}
