internal import Foundation

/// The function a C/C++ prompt declares (`float truncate_number(float number){`): the test
/// calls it through a wrapper with exactly that declaration, so whatever overloads, templates
/// or objects the candidate defines, the test sees a value of the declared return type.
struct CEntryPoint: Equatable {
    var name: String
    /// `float truncate_number(float number)`
    var declaration: String
    var returnsVoid: Bool
    var arguments: [String]
    /// `float`; the parameters' types as written (`vector<int>`, `const string&`).
    var returnType: String
    var parameterTypes: [String]
    /// The prompt before the declaration: its includes and the helpers it defines.
    var prefix: String

    /// The declaration on the prompt's last line, if it has one that can be forwarded.
    init?(prompt: String) {
        let lines = prompt.split(separator: "\n", omittingEmptySubsequences: false)
        guard let lastIndex = lines.lastIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return nil }
        let last = lines[lastIndex]
        var line = last.trimmingCharacters(in: .whitespaces)
        guard line.hasSuffix("{"), !line.hasPrefix("#"), !line.hasPrefix("//") else { return nil }
        line = String(line.dropLast()).trimmingCharacters(in: .whitespaces)
        guard line.hasSuffix(")"), let open = line.firstIndex(of: "(") else { return nil }
        let head = line[..<open].trimmingCharacters(in: .whitespaces)
        let name = String(head.reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" }.reversed())
        let returnType = head.dropLast(name.count).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !returnType.isEmpty, name.first?.isNumber == false, name != "main",
            !["static", "inline", "template", "operator"].contains(where: { head.contains($0) })
        else { return nil }
        let params = String(line[line.index(after: open)..<line.index(before: line.endIndex)])
        var arguments: [String] = []
        var types: [String] = []
        for param in Self.splitTopLevel(params) {
            let p = param.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if p.isEmpty || p == "void" { continue }
            let argument = String(p.reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" }.reversed())
            let type = p.dropLast(argument.count).trimmingCharacters(in: .whitespaces)
            guard !argument.isEmpty, !type.isEmpty, argument.first?.isNumber == false, !p.contains("["), !p.contains("(") else { return nil }
            arguments.append(argument)
            types.append(type)
        }
        self.name = name
        self.declaration = line
        self.returnsVoid = returnType == "void"
        self.arguments = arguments
        self.returnType = returnType
        self.parameterTypes = types
        self.prefix = lines[..<lastIndex].joined(separator: "\n") + "\n"
    }

    private static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = []
        var depth = 0
        var current = ""
        for c in s {
            if c == "<" || c == "(" || c == "[" { depth += 1 }
            if c == ">" || c == ")" || c == "]" { depth -= 1 }
            if c == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(current) }
        return parts
    }

    /// The candidate's own definition of the function, renamed by a macro set before its code.
    func candidateName(_ n: String) -> String { "hf_\(n)_entry_\(name)" }

    /// The wrapper the test calls: the declared signature, the candidate behind it.
    func wrapper(_ n: String) -> String {
        let call = "\(candidateName(n))(\(arguments.joined(separator: ", ")))"
        return "#undef \(name)\n\(declaration) { \(returnsVoid ? "" : "return ")\(call); }\n"
    }
}
