internal import Foundation

/// The preprocessing directives of a C/C++ source as the compiler sees them: a small lexer that
/// follows translation phases 1–3 (CRLF, trigraphs where the standard has them, line splices
/// with trailing blanks, digraphs) and skips comments, string, character and raw-string
/// literals, so `#/**/define`, a comment before `#`, `%:define`, `??=define` or a splice in the
/// middle of a word cannot hide a directive from the harness.
struct CSourceScan {
    struct Directive: Equatable {
        /// `define`, `undef`, `pragma`, `line`, a digit string for a GNU line marker, …
        var name: String
        /// The tokens after the name on the directive's line (identifiers, numbers, punctuators).
        var tokens: [String]
    }

    var directives: [Directive] = []
    /// Identifier tokens, in directives too (`_Pragma`, `__pragma`).
    var identifiers: Set<String> = []
    /// The tokens outside directives, in order (punctuators one character each).
    var code: [String] = []
    /// Whether `##` (or `%:%:`) appears: token pasting can build `_Pragma` out of pieces.
    var pastes = false

    /// `trigraphs`: whether the compiler replaces `??=` and friends (ISO modes before C23 and
    /// C++17, or `-trigraphs`).
    /// `separators`: digit separators (`1'000`, C++14 and C23).
    init(_ source: String, cplusplus: Bool, trigraphs: Bool, separators: Bool? = nil) {
        var text = Array(source.unicodeScalars.map { $0 })
        text = Self.phase1(text, trigraphs: trigraphs)
        lex(text, cplusplus: cplusplus, separators: separators ?? cplusplus)
    }

    /// The source read every way a compiler might (trigraphs on and off, raw strings or not),
    /// merged: a directive any reading finds counts, so no mode of the compiler hides one.
    static func everyReading(_ source: String) -> CSourceScan {
        var merged = CSourceScan()
        for trigraphs in [false, true] {
            for (cplusplus, separators) in [(false, false), (false, true), (true, false), (true, true)] {
                let scan = CSourceScan(source, cplusplus: cplusplus, trigraphs: trigraphs, separators: separators)
                for d in scan.directives where !merged.directives.contains(d) { merged.directives.append(d) }
                merged.identifiers.formUnion(scan.identifiers)
                merged.pastes = merged.pastes || scan.pastes
                if scan.code.count > merged.code.count { merged.code = scan.code }
            }
        }
        return merged
    }

    private init() {}

    /// Line ends to LF, trigraphs replaced, backslash(+blanks)-newline splices removed.
    private static func phase1(_ input: [Unicode.Scalar], trigraphs: Bool) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(input.count)
        let map: [Unicode.Scalar: Unicode.Scalar] = ["=": "#", "/": "\\", "'": "^", "(": "[", ")": "]", "!": "|", "<": "{", ">": "}", "-": "~"]
        var i = 0
        while i < input.count {
            var c = input[i]
            if c == "\r" {
                c = "\n"
                if i + 1 < input.count, input[i + 1] == "\n" { i += 1 }
            } else if trigraphs, c == "?", i + 2 < input.count, input[i + 1] == "?", let t = map[input[i + 2]] {
                c = t
                i += 2
            }
            out.append(c)
            i += 1
        }
        // splices: a backslash, optional blanks, a newline
        var spliced: [Unicode.Scalar] = []
        spliced.reserveCapacity(out.count)
        i = 0
        while i < out.count {
            if out[i] == "\\" {
                var j = i + 1
                while j < out.count, out[j] == " " || out[j] == "\t" || out[j] == "\u{0B}" || out[j] == "\u{0C}" { j += 1 }
                if j < out.count, out[j] == "\n" {
                    i = j + 1
                    continue
                }
            }
            spliced.append(out[i])
            i += 1
        }
        return spliced
    }

    private static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c == "$" || (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122) || c.value >= 0x80
    }

    private static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || (c.value >= 48 && c.value <= 57)
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }

    private mutating func lex(_ s: [Unicode.Scalar], cplusplus: Bool, separators: Bool) {
        var i = 0
        var lineStart = true
        var directive: Directive?
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func finish() {
            if let d = directive { directives.append(d) }
            directive = nil
        }
        func token(_ t: String) {
            if directive != nil {
                if directive!.name.isEmpty { directive!.name = t } else { directive!.tokens.append(t) }
            } else {
                code.append(t)
            }
            if t.first.map({ Self.isIdentifierStart($0.unicodeScalars.first!) }) == true {
                identifiers.insert(t)
            }
        }
        while i < s.count {
            let c = s[i]
            if c == "\n" {
                finish()
                lineStart = true
                i += 1
                continue
            }
            if c == " " || c == "\t" || c == "\u{0B}" || c == "\u{0C}" {
                i += 1
                continue
            }
            if c == "/", at(i + 1) == "/" {
                while i < s.count, s[i] != "\n" { i += 1 }
                continue
            }
            if c == "/", at(i + 1) == "*" {
                i += 2
                while i < s.count, !(s[i] == "*" && at(i + 1) == "/") { i += 1 }
                i += 2
                continue  // a comment is whitespace: the line may still start a directive
            }
            if lineStart, directive == nil, c == "#" || (c == "%" && at(i + 1) == ":") {
                i += c == "#" ? 1 : 2
                directive = Directive(name: "", tokens: [])
                lineStart = false
                continue
            }
            lineStart = false
            // literals: a prefix (u8, u, U, L) and R for raw strings in C++
            if Self.isIdentifierStart(c) {
                var j = i
                while j < s.count, Self.isIdentifierPart(s[j]) { j += 1 }
                let word = String(String.UnicodeScalarView(s[i..<j]))
                if let q = at(j), q == "\"" || q == "'", ["u8", "u", "U", "L", "R", "u8R", "uR", "UR", "LR"].contains(word) {
                    if word.hasSuffix("R"), q == "\"", cplusplus {
                        i = Self.skipRaw(s, from: j)
                    } else {
                        i = Self.skipQuoted(s, from: j)
                    }
                    continue
                }
                token(word)
                i = j
                continue
            }
            if Self.isDigit(c) || (c == "." && at(i + 1).map(Self.isDigit) == true) {
                // a pp-number, C++14/C23 digit separators and exponent signs included
                var j = i + 1
                while j < s.count {
                    let d = s[j]
                    if (d == "+" || d == "-"), "eEpP".unicodeScalars.contains(s[j - 1]) {
                        j += 1
                    } else if separators, d == "'", let n = at(j + 1), Self.isIdentifierPart(n) {
                        j += 2
                    } else if Self.isIdentifierPart(d) || d == "." {
                        j += 1
                    } else {
                        break
                    }
                }
                token(String(String.UnicodeScalarView(s[i..<j])))
                i = j
                continue
            }
            if c == "\"" || c == "'" {
                i = Self.skipQuoted(s, from: i)
                continue
            }
            if (c == "#" && at(i + 1) == "#") || (c == "%" && at(i + 1) == ":" && at(i + 2) == "%" && at(i + 3) == ":") {
                pastes = true
            }
            token(String(c))
            i += 1
        }
        finish()

    }

    /// Past a "…" or '…' literal: it ends at its closing quote or, unterminated, at the line's end.
    private static func skipQuoted(_ s: [Unicode.Scalar], from start: Int) -> Int {
        let quote = s[start]
        var i = start + 1
        while i < s.count, s[i] != quote, s[i] != "\n" {
            i += s[i] == "\\" ? 2 : 1
        }
        return i < s.count && s[i] == quote ? i + 1 : i
    }

    /// Past a raw string R"delim( … )delim".
    private static func skipRaw(_ s: [Unicode.Scalar], from start: Int) -> Int {
        var i = start + 1
        var delimiter: [Unicode.Scalar] = []
        while i < s.count, s[i] != "(", delimiter.count <= 16 {
            delimiter.append(s[i])
            i += 1
        }
        guard i < s.count, s[i] == "(" else { return skipQuoted(s, from: start) }
        let end: [Unicode.Scalar] = [")"] + delimiter + ["\""]
        i += 1
        while i + end.count <= s.count {
            if Array(s[i..<(i + end.count)]) == end { return i + end.count }
            i += 1
        }
        return s.count
    }

    /// A free `operator==` or `operator!=` (two parameters, not a friend), or any operator in a
    /// reopened `namespace std`: either could take over a comparison the tests make between
    /// standard types. Nil when there is none.
    var comparisonOverload: String? {
        let t = code
        for i in t.indices where t[i] == "operator" {
            let op = t[(i + 1)..<min(i + 3, t.count)].joined()
            if t.count > i + 1, t[i + 1] == "<", t.count > i + 3, t[i + 2] == "=", t[i + 3] == ">" { return "operator<=>" }
            guard op == "==" || op == "!=", t.count > i + 3, t[i + 3] == "(" else { continue }
            var depth = 0, commas = 0, empty = true
            var j = i + 3
            while j < t.count {
                if t[j] == "(" || t[j] == "<" || t[j] == "[" { depth += 1 } else if t[j] == ")" || t[j] == ">" || t[j] == "]" { depth -= 1 }
                if depth == 0 { break }
                if depth == 1, t[j] == "," { commas += 1 }
                if j > i + 3 { empty = false }
                j += 1
            }
            let friend = t[max(0, i - 6)..<i].contains("friend")
            if !empty, commas == 1, !friend { return "a free operator\(op)" }
        }
        for i in t.indices.dropLast() where t[i] == "namespace" && ["std", "__gnu_cxx", "__cxx11"].contains(t[i + 1]) {
            if t[(i + 2)...].contains("operator") { return "operators in namespace \(t[i + 1])" }
        }
        return nil
    }

    /// The names of every macro the source defines.
    var definedMacros: [String] {
        var names: [String] = []
        for d in directives where d.name == "define" {
            if let name = d.tokens.first, !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Why the compiler's warnings for this source cannot be taken as they come: a pragma that
    /// silences diagnostics or makes code a system header, a line marker that does, or a
    /// `_Pragma` (spelled out or pasted together). Nil when none.
    var diagnosticsControl: String? {
        for d in directives {
            if d.name == "pragma", let first = d.tokens.first {
                let second = d.tokens.dropFirst().first ?? ""
                if ["GCC", "clang"].contains(first), ["diagnostic", "system_header"].contains(second) {
                    return "#pragma \(first) \(second)"
                }
                if ["system_header", "warning", "diag_suppress", "nowarn"].contains(first) { return "#pragma \(first)" }
            }
            if d.name == "line" || d.name.first.map(\.isNumber) == true { return "a #line directive or line marker" }
        }
        if identifiers.contains("_Pragma") || identifiers.contains("__pragma") { return "_Pragma" }
        if pastes { return "token pasting (##)" }
        return nil
    }
}
