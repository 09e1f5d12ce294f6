import Foundation
import HaloForgeCore
import HaloForgeSandbox
@testable import HaloForgeVerify
import Testing

/// Quoting for the remote shells and the step scripts, without a remote host. The
/// Windows rules are checked against a re-implementation of how cmd.exe and the
/// Microsoft C runtime split a command line back into words.
@Suite struct RemoteShellTests {
    static let awkward = [
        "", "plain", "two words", "it's", "''", "\"quoted\"", "a\\b", "a\\\\\"b", "trailing\\", "tab\there", "new\nline",
        "$HOME `id` $(id)", "100% & | < > ^ ( ) !bang!", "%PATH%", "C:\\Program Files\\x\\", "‘typographic’",
    ]

    @Test func posixQuotingSurvivesARealShell() throws {
        for text in Self.awkward {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "printf %s " + RemoteShell.posixQuote(text)]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(String(decoding: data, as: UTF8.self) == text)
        }
        #expect(RemoteShell.posixWord("-std=gnu++20") == "-std=gnu++20")
        #expect(RemoteShell.posixWord("a b") == "'a b'")
    }

    @Test func powershellQuotesDoubleEveryKindOfSingleQuote() {
        #expect(RemoteShell.powershellQuote("it's") == "'it''s'")
        #expect(RemoteShell.powershellQuote("$env:TEMP `n") == "'$env:TEMP `n'")
        #expect(RemoteShell.powershellQuote("‘x’") == "'‘‘x’’'")
        #expect(RemoteShell.powershellQuote("") == "''")
    }

    /// How the Microsoft C runtime splits a command line (CommandLineToArgvW's rules).
    static func windowsSplit(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quoted = false
        let chars = Array(line)
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            if ch == "\\" {
                var n = 0
                while i < chars.count && chars[i] == "\\" {
                    n += 1
                    i += 1
                }
                if i < chars.count && chars[i] == "\"" {
                    current += String(repeating: "\\", count: n / 2)
                    if n % 2 == 1 {
                        current.append("\"")
                        i += 1
                    }
                } else {
                    current += String(repeating: "\\", count: n)
                }
                inWord = true
                continue
            }
            if ch == "\"" {
                quoted.toggle()
                inWord = true
            } else if (ch == " " || ch == "\t") && !quoted {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(ch)
                inWord = true
            }
            i += 1
        }
        if inWord { words.append(current) }
        return words
    }

    /// What cmd.exe leaves of a line outside quotes: a caret escapes the next character.
    static func cmdUnescape(_ line: String) -> (text: String, bareMetacharacters: Bool) {
        var out = ""
        var bare = false
        var escaped = false
        for ch in line {
            if escaped {
                out.append(ch)
                escaped = false
            } else if ch == "^" {
                escaped = true
            } else {
                if "&|<>()%!\"".contains(ch) { bare = true }
                out.append(ch)
            }
        }
        return (out, bare)
    }

    @Test func windowsArgumentsRoundTripThroughTheCRuntime() {
        #expect(RemoteShell.windowsArgument("plain") == "plain")
        #expect(RemoteShell.windowsArgument("two words") == "\"two words\"")
        #expect(RemoteShell.windowsArgument("a\"b") == "\"a\\\"b\"")
        #expect(RemoteShell.windowsArgument("a\\b") == "a\\b")
        #expect(RemoteShell.windowsArgument("x y\\") == "\"x y\\\\\"")
        #expect(RemoteShell.windowsArgument("") == "\"\"")
        for text in Self.awkward where !text.contains("\n") {
            let line = "prog.exe " + RemoteShell.windowsArgument(text) + " next"
            #expect(Self.windowsSplit(line) == ["prog.exe", text, "next"], "\(text)")
        }
    }

    @Test func cmdArgumentsKeepEveryMetacharacterLiteral() {
        #expect(RemoteShell.cmdArgument("a&b") == "a^&b")
        #expect(RemoteShell.cmdArgument("%PATH%") == "^%PATH^%")
        #expect(RemoteShell.cmdArgument("two words") == "^\"two words^\"")
        for text in Self.awkward where !text.contains("\n") {
            let (line, bare) = Self.cmdUnescape("prog.exe " + RemoteShell.cmdArgument(text))
            #expect(!bare, "\(text): a metacharacter reaches cmd.exe unescaped")
            #expect(Self.windowsSplit(line) == ["prog.exe", text], "\(text)")
        }
    }

    @Test func encodedPowershellCarriesTheScriptExactly() throws {
        let script = "Write-Output 'it''s' \"$env:TEMP\" ‘x’ & | %PATH%\n"
        let line = RemoteShell.powershellEncoded(script)
        #expect(line.hasPrefix("powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "))
        let encoded = try #require(line.split(separator: " ").last)
        #expect(encoded.allSatisfy { $0.isLetter || $0.isNumber || "+/=".contains($0) })
        let bytes = try #require(Data(base64Encoded: String(encoded)))
        let units = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        #expect(String(decoding: units, as: UTF16.self) == script)
    }

    @Test func powershellStepKillsTheTreeAndRemovesTheScratch() {
        var step = RemoteStep(command: "cl.exe /nologo /DNAME='x' /Fe:prog.exe main.cpp", limits: Limits(wallSeconds: 2.5))
        step.createScratch = true
        step.upload = "main.cpp"
        step.removeAfter = ["main.cpp"]
        step.removeScratch = true
        let script = RemoteScript.powershell(step, kind: .cmd, dir: "(Join-Path $env:TEMP 'hf-1')", marker: "hf-m:")
        #expect(script.contains("$psi.FileName = 'cmd.exe'"))
        #expect(script.contains("$psi.Arguments = '/d /s /c \"cl.exe /nologo /DNAME=''x'' /Fe:prog.exe main.cpp\"'"))
        #expect(script.contains("WaitForExit(2500)"))
        #expect(script.contains("& taskkill.exe /T /F /PID $p.Id"))
        #expect(script.contains("$ErrorActionPreference = 'Continue'"))
        #expect(script.contains("New-Item -ItemType Directory -Path $d"))
        #expect(script.contains("[Console]::OpenStandardInput().CopyTo($f)"))
        #expect(script.contains("Remove-Item -LiteralPath $d -Recurse -Force"))
        #expect(script.contains("Remove-Item -LiteralPath (Join-Path $d 'main.cpp')"))
        // Every line's single quotes pair up: nothing escapes a literal.
        for line in script.split(separator: "\n") {
            #expect(line.filter { $0 == "'" }.count % 2 == 0, "\(line)")
        }
        var run = RemoteStep(command: "prog.exe", limits: Limits(wallSeconds: 10))
        run.direct = true
        let runScript = RemoteScript.powershell(run, kind: .powershell, dir: "'C:\\hf\\x'", marker: "hf-m:")
        #expect(runScript.contains("$psi.FileName = (Join-Path $d 'prog.exe')"))
        #expect(runScript.contains("CopyTo($p.StandardInput.BaseStream)"))
        #expect(!runScript.contains("New-Item"))
        var shell = RemoteStep(command: "Write-Output 'hi'", limits: Limits())
        shell.upload = "x"
        let shellScript = RemoteScript.powershell(shell, kind: .powershell, dir: "'C:\\x'", marker: "hf-m:")
        #expect(shellScript.contains("$psi.FileName = 'powershell.exe'"))
        #expect(shellScript.contains("-EncodedCommand "))
    }

    @Test func msvcAndGccDiagnosticsAreRecognised() {
        let output = """
            main.cpp
            main.cpp(3): warning C4244: 'return': conversion from 'double' to 'int', possible loss of data\r
            cl : Command line warning D9002 : ignoring unknown option '/foo'
            main.cpp(5): error C2065: 'x': undeclared identifier
            main.obj : error LNK2019: unresolved external symbol main
            main.c:1:5: warning: control reaches end of non-void function [-Wreturn-type]
            a warning about nothing
            """
        let warnings = RemoteDiagnostics.lines(output, kind: "warning")
        #expect(warnings.count == 2)
        #expect(warnings.first?.hasSuffix("possible loss of data") == true)
        #expect(RemoteDiagnostics.lines(output, kind: "error").count == 2)
    }

    @Test func framedAnswersParseAndMapOntoRunRecords() throws {
        let limits = Limits(wallSeconds: 2, cpuSeconds: 2, outputKiB: 1)
        var answer = Data("Welcome banner\nhf-m:STATUS 0 0 6 2\nline 1\nerr".utf8)
        var outcome = try RemoteScript.parse(answer, marker: "hf-m:", limits: limits)
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "line 1")
        #expect(String(decoding: outcome.stderr, as: UTF8.self) == "\ne")
        answer = Data("hf-m:STATUS 3221225477 0 0 0\n".utf8)
        outcome = try RemoteScript.parse(answer, marker: "hf-m:", limits: limits)
        let crash = RemoteScript.record(outcome, kind: .powershell, limits: limits, wallSeconds: 0.1)
        #expect(crash.status == .runtimeError && crash.exitCode == -1_073_741_819)
        #expect(throws: JailError.self) { try RemoteScript.parse(Data("hf-m:ERROR cannot create x\n".utf8), marker: "hf-m:", limits: limits) }
        #expect(throws: JailError.self) { try RemoteScript.parse(Data("hf-m:STATUS 0 0 9 0\nshort".utf8), marker: "hf-m:", limits: limits) }
        #expect(throws: JailError.self) { try RemoteScript.parse(Data("no marker".utf8), marker: "hf-m:", limits: limits) }
        func record(_ code: Int32, timedOut: Bool = false, bytes: Int = 0) -> RunRecord {
            RemoteScript.record(
                RemoteOutcome(exitCode: code, timedOut: timedOut, stdout: Data(), stderr: Data(), stdoutBytes: bytes, stderrBytes: 0),
                kind: .posix, limits: limits, wallSeconds: 0.5)
        }
        #expect(record(0).status == .ok)
        #expect(record(1).status == .runtimeError)
        #expect(record(139).status == .signaled && record(139).signal == 11)
        #expect(record(152).status == .cpuTimeLimit)
        #expect(record(153).status == .fileSizeLimit)
        #expect(record(137, timedOut: true).status == .wallTimeLimit)
        #expect(record(0, bytes: 5000).status == .outputLimit)
    }

    /// The POSIX step script alone, through /bin/sh: its rlimits and framing.
    func runPosix(_ command: String, limits: Limits) throws -> RunRecord {
        let folder = NSTemporaryDirectory() + "hf-step-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        var step = RemoteStep(command: command, limits: limits)
        step.createScratch = true
        step.removeScratch = true
        let script = RemoteScript.posix(step, dir: RemoteShell.posixQuote(folder), marker: "hf-m:")
        let result = Subprocess.runBlocking("/bin/sh", ["-c", script], timeout: 30)
        #expect(!FileManager.default.fileExists(atPath: folder))
        let outcome = try RemoteScript.parse(result.stdout, marker: "hf-m:", limits: limits)
        return RemoteScript.record(outcome, kind: .posix, limits: limits, wallSeconds: result.seconds)
    }

    @Test func posixStepEnforcesItsLimits() throws {
        let hello = try runPosix("printf 'a\\nb\\n'; echo oops >&2; exit 3", limits: Limits())
        #expect(hello.status == .runtimeError && hello.exitCode == 3)
        #expect(hello.stdoutText == "a\nb\n" && hello.stderrText == "oops\n")
        let spin = try runPosix("while :; do :; done", limits: Limits(wallSeconds: 20, cpuSeconds: 1))
        #expect(spin.status == .cpuTimeLimit, "\(spin.summary)")
        let sleeper = try runPosix("sleep 30", limits: Limits(wallSeconds: 1))
        #expect(sleeper.status == .wallTimeLimit && sleeper.wallSeconds < 10, "\(sleeper.summary)")
        let chatty = try runPosix("yes", limits: Limits(wallSeconds: 5, fileSizeMiB: 1, outputKiB: 4))
        #expect(chatty.status == .fileSizeLimit || chatty.status == .outputLimit, "\(chatty.summary)")
        #expect(chatty.stdout.count == 4096)
    }
}
