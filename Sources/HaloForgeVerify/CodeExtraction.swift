public import HaloForgeCore
internal import Foundation

/// Takes the code out of raw model text.
public enum CodeExtraction {
    /// The source to verify for `candidate`: a fenced block's body when the text has
    /// one (preferring a block tagged with `language`), the text as is otherwise;
    /// completion-style candidates are appended to their prompt.
    public static func source(of candidate: Candidate, language: Language) -> String {
        switch candidate {
        case .code(let code):
            return code
        case .completion(let text, let prompt):
            let body = extract(text, language: language)
            guard let prompt else { return body }
            return prompt + body
        }
    }

    /// A fenced block's body (```lang ... ```, any tag, any case; an unterminated last
    /// fence runs to the end), or the text unchanged when there is no fence.
    public static func extract(_ text: String, language: Language) -> String {
        let blocks = fencedBlocks(text)
        guard !blocks.isEmpty else { return text }
        let wanted = tags(for: language)
        if let tagged = blocks.first(where: { wanted.contains($0.tag) }) { return tagged.body }
        return blocks.first(where: { !$0.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty })?.body ?? blocks[0].body
    }

    static func tags(for language: Language) -> Set<String> {
        switch language {
        case .c: ["c", "h"]
        case .cpp: ["cpp", "c++", "cxx", "cc", "hpp"]
        case .python: ["python", "py", "python3"]
        case .custom(let name): [name.lowercased()]
        }
    }

    struct Block {
        var tag: String
        var body: String
    }

    static func fencedBlocks(_ text: String) -> [Block] {
        var blocks: [Block] = []
        var current: (tag: String, fence: String, lines: [Substring])?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if var open = current {
                if trimmed.hasPrefix(open.fence), trimmed.drop(while: { $0 == "`" || $0 == "~" }).allSatisfy(\.isWhitespace) {
                    blocks.append(Block(tag: open.tag, body: open.lines.joined(separator: "\n") + "\n"))
                    current = nil
                } else {
                    open.lines.append(line)
                    current = open
                }
            } else if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                let marker = trimmed.first!
                let fence = String(trimmed.prefix { $0 == marker })
                let tag = trimmed.dropFirst(fence.count).trimmingCharacters(in: .whitespaces)
                    .split(separator: " ").first.map { $0.lowercased() } ?? ""
                current = (tag, fence, [])
            }
        }
        if let open = current, !open.lines.isEmpty {
            blocks.append(Block(tag: open.tag, body: open.lines.joined(separator: "\n") + "\n"))
        }
        return blocks
    }
}
