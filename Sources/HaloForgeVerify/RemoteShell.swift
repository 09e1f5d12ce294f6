internal import Foundation

/// The shell a remote build host runs its commands in.
public enum RemoteHostKind: String, Sendable, CaseIterable {
    /// A POSIX `sh` (Linux, macOS, BSD build hosts).
    case posix
    /// Windows; commands are PowerShell.
    case powershell
    /// Windows; commands are cmd.exe command lines (e.g. `call vcvars64.bat && cl.exe …`).
    case cmd

    public var isWindows: Bool { self != .posix }
}

/// Quoting for the three remote shells. Every string that reaches a remote shell
/// (paths, commands, scripts) goes through one of these.
enum RemoteShell {
    /// POSIX sh: single quotes, where nothing is special but the quote itself.
    static func posixQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A word for POSIX sh, quoted only when it needs to be.
    static func posixWord(_ text: String) -> String {
        let plain = !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-=_./:,@%".contains($0)) }
        return plain ? text : posixQuote(text)
    }

    /// PowerShell: a verbatim single-quoted string. PowerShell also treats the
    /// typographic single quotes as quotes, so those are doubled as well.
    static func powershellQuote(_ text: String) -> String {
        var out = "'"
        for ch in text {
            if ch == "'" || ch == "\u{2018}" || ch == "\u{2019}" || ch == "\u{201A}" || ch == "\u{201B}" {
                out.append(ch)
            }
            out.append(ch)
        }
        return out + "'"
    }

    /// One argument as the Microsoft C runtime (CommandLineToArgvW) splits it back:
    /// quoted when needed, backslashes doubled only before a quote.
    static func windowsArgument(_ text: String) -> String {
        if !text.isEmpty && !text.contains(where: { " \t\n\u{0B}\"".contains($0) }) { return text }
        var out = "\""
        var backslashes = 0
        for ch in text {
            if ch == "\\" {
                backslashes += 1
                continue
            }
            if ch == "\"" {
                out += String(repeating: "\\", count: backslashes * 2 + 1) + "\""
            } else {
                out += String(repeating: "\\", count: backslashes) + String(ch)
            }
            backslashes = 0
        }
        return out + String(repeating: "\\", count: backslashes * 2) + "\""
    }

    /// One argument for a cmd.exe command line: quoted for the C runtime, then every
    /// cmd metacharacter escaped with `^`, so `&`, `|`, `>` and `%VAR%` stay literal.
    static func cmdArgument(_ text: String) -> String {
        var out = ""
        for ch in windowsArgument(text) {
            if "()%!^\"<>&|".contains(ch) { out.append("^") }
            out.append(ch)
        }
        return out
    }

    /// The PowerShell command line that runs `script` whatever the remote login shell
    /// (cmd.exe or PowerShell): base64 of UTF-16LE, so no character needs quoting.
    static func powershellEncoded(_ script: String) -> String {
        var bytes = Data()
        for unit in script.utf16 {
            bytes.append(UInt8(unit & 0xff))
            bytes.append(UInt8(unit >> 8))
        }
        return "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand " + bytes.base64EncodedString()
    }

    /// Quotes a word for the given kind's own command syntax.
    static func quote(_ text: String, for kind: RemoteHostKind) -> String {
        switch kind {
        case .posix: posixQuote(text)
        case .powershell: powershellQuote(text)
        case .cmd: cmdArgument(text)
        }
    }
}
