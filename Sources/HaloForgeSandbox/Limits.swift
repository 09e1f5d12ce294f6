/// Resource limits of one sandboxed run, named by resource and unit.
public struct Limits: Sendable, Equatable {
    /// Wall-clock time, seconds; the whole process tree dies when it passes.
    public var wallSeconds: Double
    /// CPU time, seconds (per process, RLIMIT_CPU).
    public var cpuSeconds: Double
    /// Address space, MiB, per process; with a cgroup per run also the run's total memory,
    /// shared memory and tmpfs pages included.
    public var memoryMiB: Int
    /// Largest file a process may write, MiB.
    public var fileSizeMiB: Int
    /// Processes and threads of the run's identity (and of its cgroup, where there is one).
    public var processes: Int
    /// Open file descriptors per process.
    public var openFiles: Int
    /// Captured bytes per stream (stdout, stderr), KiB; more ends the run.
    public var outputKiB: Int

    public init(
        wallSeconds: Double = 10, cpuSeconds: Double = 10, memoryMiB: Int = 1024, fileSizeMiB: Int = 64,
        processes: Int = 64, openFiles: Int = 256, outputKiB: Int = 1024
    ) {
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.memoryMiB = memoryMiB
        self.fileSizeMiB = fileSizeMiB
        self.processes = processes
        self.openFiles = openFiles
        self.outputKiB = outputKiB
    }

    /// Defaults for a compiler: more memory and files, no tight CPU bound.
    public static let compile = Limits(
        wallSeconds: 30, cpuSeconds: 30, memoryMiB: 2048, fileSizeMiB: 256, processes: 32, openFiles: 512,
        outputKiB: 256)
    /// Defaults for a candidate program.
    public static let run = Limits()
}
