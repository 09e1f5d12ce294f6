internal import Foundation
internal import HaloForgeSandbox

/// One step on the remote host (a compile or a run), written as one script for one
/// SSH session: enter (or create) the sample's scratch folder, run the command under
/// its limits with its output in files, and answer in a framed record.
struct RemoteStep {
    /// The command, in the host kind's own syntax, run in the scratch folder.
    var command: String
    /// Windows: `command` is a program in the scratch folder, started without a shell.
    var direct = false
    var limits: Limits
    /// Create the scratch folder first (the first step of a sample).
    var createScratch = false
    /// A file in the scratch folder that receives the session's input; the command
    /// then reads nothing. Without it, the session's input is the command's stdin.
    var upload: String?
    /// Files removed after the command (the test source, before the program runs).
    var removeAfter: [String] = []
    /// Remove the whole scratch folder at the end (the last step of a sample).
    var removeScratch = false
}

/// What a remote step reported.
struct RemoteOutcome {
    var exitCode: Int32
    var timedOut: Bool
    var stdout: Data
    var stderr: Data
    /// Bytes the command wrote per stream; more than was sent back means the cap was hit.
    var stdoutBytes: Int
    var stderrBytes: Int
}

enum RemoteScript {
    /// Bytes sent back per stream: the output limit of the step.
    static func cap(_ limits: Limits) -> Int { limits.outputKiB * 1024 }

    /// The command line handed to ssh for a step.
    static func session(_ step: RemoteStep, kind: RemoteHostKind, dir: String, marker: String) -> String {
        switch kind {
        case .posix: "sh -c " + RemoteShell.posixQuote(posix(step, dir: dir, marker: marker))
        case .powershell, .cmd: RemoteShell.powershellEncoded(powershell(step, kind: kind, dir: dir, marker: marker))
        }
    }

    /// The command line that removes a scratch folder (after a failed or cut-off session).
    static func cleanup(kind: RemoteHostKind, dir: String) -> String {
        switch kind {
        case .posix: "sh -c " + RemoteShell.posixQuote("d=\(dir); cd / && rm -rf \"$d\"")
        case .powershell, .cmd:
            RemoteShell.powershellEncoded("$d = \(dir)\nRemove-Item -LiteralPath $d -Recurse -Force -ErrorAction SilentlyContinue\n")
        }
    }

    /// POSIX sh. The command runs in a session of its own (setsid), so its process
    /// group holds every process it starts; a watchdog in another session kills that
    /// whole group when the wall time passes, and the group is killed again when the
    /// command returns, so nothing it left running survives the step. CPU time,
    /// address space and file size are rlimits (`ulimit`).
    static func posix(_ step: RemoteStep, dir: String, marker: String) -> String {
        let q = RemoteShell.posixQuote
        let limits = step.limits
        let wall = String(format: "%.3f", limits.wallSeconds)
        let cpu = max(1, Int(limits.cpuSeconds.rounded(.up)))
        var s = "umask 077\nd=\(dir)\n"
        if step.createScratch {
            s += "mkdir -p \"${d%/*}\" 2>/dev/null; mkdir \"$d\" || { printf '%sERROR cannot create %s\\n' \(q(marker)) \"$d\"; exit 0; }\n"
        }
        s += "cd \"$d\" || { printf '%sERROR no scratch folder %s\\n' \(q(marker)) \"$d\"; exit 0; }\n"
        if let upload = step.upload {
            s += "cat > \(q(upload)) || { printf '%sERROR cannot write %s\\n' \(q(marker)) \(q(upload)); exit 0; }\n"
            s += "exec 3</dev/null\n"
        } else {
            s += "exec 3<&0\n"
        }
        // A soft CPU limit below the hard one: SIGXCPU (recognisable) before SIGKILL.
        let inner = "ulimit -H -t \(cpu + 1) 2>/dev/null; ulimit -S -t \(cpu) 2>/dev/null; ulimit -v \(limits.memoryMiB * 1024) 2>/dev/null; "
            + "ulimit -f \(limits.fileSizeMiB * 2048) 2>/dev/null; " + step.command
        s += "rm -f .hf-timeout\n"
        s += "setsid sh -c \(q(inner)) <&3 >.hf-out 2>.hf-err &\np=$!\nexec 3<&-\n"
        s += "setsid sh -c \(q("sleep \(wall); : > .hf-timeout; kill -9 -\"$1\"")) hf \"$p\" </dev/null >/dev/null 2>&1 &\nw=$!\n"
        s += "wait \"$p\"; s=$?\n"
        // The watchdog's pid first: before its setsid it has started nothing yet.
        s += "kill -9 \"$w\" 2>/dev/null; kill -9 -\"$w\" 2>/dev/null; kill -9 -\"$p\" 2>/dev/null\n"
        s += "t=0; [ -e .hf-timeout ] && t=1\n"
        s += "o=$(wc -c <.hf-out); e=$(wc -c <.hf-err)\n"
        s += "printf '%sSTATUS %s %s %s %s\\n' \(q(marker)) \"$s\" \"$t\" $o $e\n"
        s += "head -c \(cap(limits)) .hf-out; head -c \(cap(limits)) .hf-err\n"
        s += "rm -f .hf-out .hf-err .hf-timeout" + step.removeAfter.map { " " + q($0) }.joined() + "\n"
        if step.removeScratch { s += "cd / && rm -rf \"$d\"\n" }
        return s
    }

    /// Windows PowerShell (5.1 and later). The command runs as a child process with
    /// redirected streams; when the wall time passes, `taskkill /T /F` ends its whole
    /// process tree. CPU time and memory are not limited on Windows (that would need a
    /// job object); the wall time bounds both.
    static func powershell(_ step: RemoteStep, kind: RemoteHostKind, dir: String, marker: String) -> String {
        let q = RemoteShell.powershellQuote
        let limits = step.limits
        let file: String
        let arguments: String
        if step.direct {
            file = "(Join-Path $d \(q(step.command)))"
            arguments = q("")
        } else if kind == .cmd {
            // /s: cmd strips the outer quotes and runs what is between them as typed.
            file = q("cmd.exe")
            arguments = q("/d /s /c \"" + step.command + "\"")
        } else {
            file = q("powershell.exe")
            arguments = q(String(RemoteShell.powershellEncoded(step.command).dropFirst("powershell.exe ".count)))
        }
        var s = """
            $ErrorActionPreference = 'Stop'
            $m = \(q(marker))
            $o = [Console]::OpenStandardOutput()
            function Say([byte[]]$b, [long]$n) { $o.Write($b, 0, [int][Math]::Min([long]$b.Length, $n)); $o.Flush() }
            function Text([string]$t) { $b = [Text.Encoding]::UTF8.GetBytes($t); Say $b $b.Length }
            $d = \(dir)

            """
        s += "try {\n"
        if step.createScratch { s += "    New-Item -ItemType Directory -Path $d | Out-Null\n" }
        s += "    Set-Location -LiteralPath $d\n"
        if let upload = step.upload {
            s += "    $f = [IO.File]::Create((Join-Path $d \(q(upload)))); [Console]::OpenStandardInput().CopyTo($f); $f.Close()\n"
        }
        s += "} catch { Text ($m + 'ERROR ' + $_.Exception.Message + \"`n\"); exit 0 }\n"
        // From here on nothing may stop the script: Windows PowerShell turns a native
        // program's stderr into errors, and 'Stop' would skip the kill and the cleanup.
        s += """
            $ErrorActionPreference = 'Continue'
            $psi = New-Object Diagnostics.ProcessStartInfo
            $psi.FileName = \(file)
            $psi.Arguments = \(arguments)
            $psi.WorkingDirectory = $d
            $psi.UseShellExecute = $false
            $psi.RedirectStandardInput = $true
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $fo = [IO.File]::Create((Join-Path $d '.hf-out'))
            $fe = [IO.File]::Create((Join-Path $d '.hf-err'))
            $p = [Diagnostics.Process]::Start($psi)
            $to = $p.StandardOutput.BaseStream.CopyToAsync($fo)
            $te = $p.StandardError.BaseStream.CopyToAsync($fe)

            """
        if step.upload == nil {
            s += "try { [Console]::OpenStandardInput().CopyTo($p.StandardInput.BaseStream) } catch {}\n"
        }
        s += """
            try { $p.StandardInput.Close() } catch {}
            $t = 0
            if (-not $p.WaitForExit(\(Int(limits.wallSeconds * 1000)))) {
                $t = 1
                & taskkill.exe /T /F /PID $p.Id | Out-Null
                $p.WaitForExit()
            }
            [void]$to.Wait(5000); [void]$te.Wait(5000)
            $fo.Close(); $fe.Close()
            $ob = [IO.File]::ReadAllBytes((Join-Path $d '.hf-out'))
            $eb = [IO.File]::ReadAllBytes((Join-Path $d '.hf-err'))
            Text ('{0}STATUS {1} {2} {3} {4}' -f $m, $p.ExitCode, $t, $ob.Length, $eb.Length)
            Text "`n"
            Say $ob \(cap(limits))
            Say $eb \(cap(limits))

            """
        for name in [".hf-out", ".hf-err"] + step.removeAfter {
            s += "Remove-Item -LiteralPath (Join-Path $d \(q(name))) -Force -ErrorAction SilentlyContinue\n"
        }
        if step.removeScratch {
            s += "Set-Location -LiteralPath $env:TEMP\nRemove-Item -LiteralPath $d -Recurse -Force -ErrorAction SilentlyContinue\n"
        }
        return s
    }

    /// Reads a step's framed answer: the status line after the marker, then the capped
    /// stdout and stderr. Anything a login script printed before the marker is skipped.
    static func parse(_ data: Data, marker: String, limits: Limits) throws -> RemoteOutcome {
        let bytes = [UInt8](data)
        let needle = [UInt8](marker.utf8)
        guard let start = find(needle, in: bytes) else {
            throw JailError("the remote host sent no result: \(Diagnostics.lastLines(String(decoding: data, as: UTF8.self), count: 2))")
        }
        var index = start + needle.count
        guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else {
            throw JailError("the remote host's result was cut off")
        }
        let line = String(decoding: bytes[index..<newline], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        index = newline + 1
        if line.hasPrefix("ERROR") {
            throw JailError("remote host: " + line.dropFirst("ERROR".count).trimmingCharacters(in: .whitespaces))
        }
        let fields = line.split(separator: " ")
        guard fields.count == 5, fields[0] == "STATUS", let code = Int64(fields[1]), let outBytes = Int(fields[3]),
            let errBytes = Int(fields[4])
        else {
            throw JailError("the remote host's result is malformed: \(line.prefix(120))")
        }
        let outSent = min(outBytes, cap(limits))
        let errSent = min(errBytes, cap(limits))
        guard bytes.count - index >= outSent + errSent else { throw JailError("the remote host's output was cut off") }
        // Windows exit codes are unsigned 32-bit (0xC0000005); keep their bits.
        return RemoteOutcome(
            exitCode: Int32(truncatingIfNeeded: code), timedOut: fields[2] == "1",
            stdout: Data(bytes[index..<index + outSent]), stderr: Data(bytes[(index + outSent)..<(index + outSent + errSent)]),
            stdoutBytes: outBytes, stderrBytes: errBytes)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// The step's outcome as a run record, so the ladder judges it like a local run.
    static func record(_ outcome: RemoteOutcome, kind: RemoteHostKind, limits: Limits, wallSeconds: Double) -> RunRecord {
        var record = RunRecord(
            status: .ok, exitCode: outcome.exitCode, wallSeconds: wallSeconds, stdout: outcome.stdout, stderr: outcome.stderr)
        let cap = cap(limits)
        if outcome.timedOut {
            record.status = .wallTimeLimit
            record.wallSeconds = max(wallSeconds, limits.wallSeconds)
        } else if outcome.stdoutBytes > cap || outcome.stderrBytes > cap {
            record.status = .outputLimit
        } else if kind == .posix && outcome.exitCode > 128 && outcome.exitCode < 160 {
            // sh reports a death by signal N as 128 + N.
            record.signal = outcome.exitCode - 128
            record.exitCode = 0
            switch record.signal {
            case 24: record.status = .cpuTimeLimit
            case 25: record.status = .fileSizeLimit
            default: record.status = .signaled
            }
            if record.status == .cpuTimeLimit { record.cpuSeconds = limits.cpuSeconds }
        } else if outcome.exitCode != 0 {
            record.status = .runtimeError
        }
        return record
    }
}
