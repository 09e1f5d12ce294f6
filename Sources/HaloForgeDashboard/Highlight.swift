internal import HaloForgeRender

/// Code as escaped HTML with spans for keywords, strings, comments, numbers and
/// preprocessor lines. A hand-written scanner over the text: the page never runs the
/// sample, and every character reaches the page through `Render.escape`.
enum Highlight {
    static let style = """
        pre.code{background:#fafafa;border:1px solid #ddd;padding:8px;overflow:auto;text-align:left;white-space:pre}\
        .k{color:#00f}.s{color:#a31515}.c{color:#080;font-style:italic}.n{color:#098658}.p{color:#808}
        """

    private static let keywords: Set<String> = [
        // C and C++
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern", "float", "for",
        "goto", "if", "int", "long", "register", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
        "union", "unsigned", "void", "volatile", "while", "bool", "class", "namespace", "template", "typename", "public", "private",
        "protected", "virtual", "new", "delete", "this", "using", "nullptr", "true", "false", "std", "vector", "string",
        // Python
        "def", "lambda", "import", "from", "as", "in", "is", "not", "and", "or", "None", "True", "False", "elif", "pass", "raise",
        "try", "except", "finally", "with", "yield", "global", "nonlocal", "assert", "del", "async", "await", "self", "print",
    ]

    static func html(_ code: String) -> String {
        let chars = Array(code.unicodeScalars)
        var out = ""
        var i = 0
        func span(_ cls: String, _ from: Int, _ to: Int) {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: chars[from..<to])
            out += "<span class=\"\(cls)\">" + Render.escape(String(text)) + "</span>"
        }
        func isIdent(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c) }
        var lineStart = true
        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "/" && next == "/" || c == "#" && !lineStart {
                var j = i
                while j < chars.count && chars[j] != "\n" { j += 1 }
                span("c", i, j); i = j
            } else if c == "#" {
                // At the start of a line: a C preprocessor line or a Python comment.
                var j = i
                while j < chars.count && chars[j] != "\n" { j += 1 }
                let text = String(String.UnicodeScalarView(chars[i..<j]))
                span(text.hasPrefix("#include") || text.hasPrefix("#define") || text.hasPrefix("#if") || text.hasPrefix("#end") ? "p" : "c", i, j)
                i = j
            } else if c == "/" && next == "*" {
                var j = i + 2
                while j + 1 < chars.count && !(chars[j] == "*" && chars[j + 1] == "/") { j += 1 }
                j = min(j + 2, chars.count)
                span("c", i, j); i = j
            } else if c == "\"" || c == "'" {
                var j = i + 1
                while j < chars.count && chars[j] != c && chars[j] != "\n" { j += chars[j] == "\\" ? 2 : 1 }
                j = min(j + 1, chars.count)
                span("s", i, j); i = j
            } else if ("0"..."9").contains(c) {
                var j = i
                while j < chars.count && (isIdent(chars[j]) || chars[j] == ".") { j += 1 }
                span("n", i, j); i = j
            } else if isIdent(c) {
                var j = i
                while j < chars.count && isIdent(chars[j]) { j += 1 }
                let word = String(String.UnicodeScalarView(chars[i..<j]))
                if keywords.contains(word) { span("k", i, j) } else { out += Render.escape(word) }
                i = j
            } else {
                out += Render.escape(String(c))
                i += 1
            }
            if i > 0 { lineStart = chars[i - 1] == "\n" || (lineStart && (chars[i - 1] == " " || chars[i - 1] == "\t")) }
        }
        return out
    }
}
