internal import Foundation

/// Whether a run is running, finished or stopped. A run holds its `run.sqlite` open for
/// writing while it runs, so on Linux the answer is read from /proc (which process has the
/// file open read-write); where /proc cannot tell, a write in the last minute counts as running.
public enum RunState: String, Sendable {
    case running, finished, stopped

    static func of(folder: String, cyclesDone: Int, cyclesPlanned: Int?, lastWrite: Date?) -> RunState {
        switch hasWriter(file: folder + "/run.sqlite") {
        case true?: return .running
        case false?: break
        case nil: if let lastWrite, Date().timeIntervalSince(lastWrite) < 60 { return .running }
        }
        if let planned = cyclesPlanned, cyclesDone >= planned, planned > 0 { return .finished }
        return .stopped
    }

    /// nil when /proc is not there to ask.
    static func hasWriter(file: String) -> Bool? {
        let fm = FileManager.default
        guard let pids = try? fm.contentsOfDirectory(atPath: "/proc") else { return nil }
        let target = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
        let me = String(getpid())
        var readable = false
        for pid in pids where pid.first?.isNumber == true && pid != me {
            guard let fds = try? fm.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            readable = true
            for fd in fds {
                guard let link = try? fm.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"), link == target else { continue }
                // fdinfo's flags are octal; O_RDWR or O_WRONLY in the low bits means a writer.
                guard let info = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8),
                    let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
                    let flags = Int(line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8)
                else { continue }
                if flags & 3 != 0 { return true }
            }
        }
        return readable ? false : nil
    }
}
