internal import Foundation
internal import Synchronization

/// The block of dedicated uids this process hands to its runs, leased host-wide: a lock
/// file per block, held (flock) for the life of the process. Deriving the block from the
/// pid let two halo-forge processes that are both pid 1 (containers) share uids, and one's
/// processes then used up the other's per-uid process limit.
enum UIDLease {
    static let firstUID: UInt32 = 1_000_000
    /// Uids per block: the most runs one process has at once.
    static let blockSize: UInt32 = 1024
    static let blockCount: UInt32 = 100_000

    private static let held = Mutex<[String: (fd: Int32, base: UInt32)]>([:])

    /// Where the lock files live: /run/halo-forge as root, else the user's runtime folder.
    static var lockFolder: String {
        if geteuid() == 0 { return "/run/halo-forge" }
        if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return runtime + "/halo-forge"
        }
        return "/tmp/halo-forge-\(geteuid())"
    }

    /// The first uid of this process's block, leasing one on first use.
    static func processBase() throws -> UInt32 {
        try processBase(first: firstUID, blockSize: blockSize, blockCount: blockCount, name: "uids")
    }

    /// An ordinary user's subordinate range, cut into blocks leased the same way: every
    /// halo-forge process of the user shares the range, so they must not share a block.
    static func processBase(in range: SubordinateIDs.Range) throws -> (base: UInt32, size: UInt32) {
        let size = min(blockSize, range.count)
        let base = try processBase(first: range.start, blockSize: size, blockCount: range.count / size, name: "subuids-\(range.start)")
        return (base, size)
    }

    static func processBase(first: UInt32, blockSize: UInt32, blockCount: UInt32, name: String) throws -> UInt32 {
        try held.withLock { leases in
            if let lease = leases[name] { return lease.base }
            let folder = lockFolder
            if mkdir(folder, 0o755) != 0 && errno != EEXIST {
                throw JailError("cannot create the uid lease folder \(folder): \(String(cString: strerror(errno)))")
            }
            // Start where the pid points, so unrelated processes rarely probe the same files.
            let start = UInt32(getpid()) % blockCount
            for step in 0..<blockCount {
                let block = (start + step) % blockCount
                let path = "\(folder)/\(name)-\(block).lock"
                let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
                guard fd >= 0 else {
                    throw JailError("cannot open the uid lease \(path): \(String(cString: strerror(errno)))")
                }
                if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                    let base = first + block * blockSize
                    leases[name] = (fd, base)
                    return base
                }
                close(fd)
            }
            throw JailError("every uid block under \(folder) is leased by another halo-forge process")
        }
    }
}
