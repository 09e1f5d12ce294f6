import Foundation
@testable import HaloForgeSandbox
import Testing

/// Reading /etc/subuid and /etc/subgid: the caller's range by name or by uid.
@Suite struct SubordinateIDsTests {
    @Test func findsTheCallersRangeByNameOrUid() {
        let text = """
            # comment: alice:1:2
            bob:200000:65536
            alice:100000:65536
            1005:300000:1000
            """
        #expect(SubordinateIDs.range(in: text, name: "alice", uid: 1001) == .init(start: 100000, count: 65536))
        #expect(SubordinateIDs.range(in: text, name: "carol", uid: 1005) == .init(start: 300000, count: 1000))
        #expect(SubordinateIDs.range(in: text, name: "dave", uid: 1006) == nil)
        // Malformed or empty ranges are skipped, not trusted.
        #expect(SubordinateIDs.range(in: "eve:x:10\neve:5:0\neve:4294967290:100\neve:70000:10\n", name: "eve", uid: 1) == .init(start: 70000, count: 10))
    }

    @Test func noRangeNamesTheMissingFile() {
        let empty = FileManager.default.temporaryDirectory.path + "/hf-subuid-empty-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: empty, contents: Data())
        defer { unlink(empty) }
        guard case .failure(let why) = SubordinateIDs.detect(subuid: empty, subgid: empty) else {
            Issue.record("an empty subuid file gave a range")
            return
        }
        #expect(why.description == "no \(empty) range")
    }

    @Test func helpersMapTheCallerToRootAndOneSubordinateId() {
        let ids = SubordinateIDs(
            uids: .init(start: 100000, count: 65536), gids: .init(start: 200000, count: 65536),
            newuidmap: "/usr/bin/newuidmap", newgidmap: "/usr/bin/newgidmap")
        let args = ids.helperArguments(hostUID: 100042)
        #expect(args.uid == ["/usr/bin/newuidmap", "0", "\(geteuid())", "1", "1000", "100042", "1"])
        #expect(args.gid == ["/usr/bin/newgidmap", "0", "\(getegid())", "1", "1000", "200042", "1"])
    }
}
