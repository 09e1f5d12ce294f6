public import Foundation

/// A small supervised corpus that teaches the answer FORMAT before RAFT starts: the
/// prompt names a C function, the completion is that function, complete and
/// compiling (`gcc -std=gnu17 -Wall -Wextra -c` without warnings), in one ```c fence
/// and nothing else. The functions are deliberately not the solutions of
/// `BuiltinTasks` (neither training nor held-out): they teach the shape, not the answers.
/// The functions live in `Resources/sft-corpus.c`, where they read (and diff) as C.
public enum SFTCorpus {
    /// About seventy (prompt, completion) pairs, in the file's order.
    public static func pairs() throws -> [(prompt: String, completion: String)] {
        try entries().map { entry in
            (
                prompt: "Write a C function `\(entry.signature)` that \(entry.summary). Reply with the complete C code of the function.",
                completion: "```c\n" + entry.code + "```"
            )
        }
    }

    struct Entry: Equatable {
        var signature: String
        var summary: String
        /// The complete source, includes first, ending with a newline.
        var code: String
    }

    static let resourceName = "sft-corpus.c"

    static func entries() throws -> [Entry] {
        guard let url = Bundle.module.url(forResource: resourceName, withExtension: nil, subdirectory: "Resources")
            ?? Bundle.module.url(forResource: resourceName, withExtension: nil),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            throw DatasetError("the SFT corpus \(resourceName) is missing from the halo-forge build: rebuild or reinstall halo-forge")
        }
        return try parse(text, name: resourceName)
    }

    /// Entries of `//@ signature:` and `//@ summary:` lines, each followed by its source up to
    /// the next entry; the comment lines before the first entry are the file's header.
    static func parse(_ text: String, name: String) throws -> [Entry] {
        var entries: [Entry] = []
        var current: Entry?
        var lineNumber = 0
        func finish() {
            guard var entry = current else { return }
            while entry.code.hasSuffix("\n\n") { entry.code.removeLast() }
            entries.append(entry)
            current = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.hasPrefix("//@ signature: ") {
                finish()
                current = Entry(signature: String(line.dropFirst(15)), summary: "", code: "")
            } else if line.hasPrefix("//@ summary: ") {
                guard current != nil, current?.summary.isEmpty == true, current?.code.isEmpty == true else {
                    throw DatasetError("\(name): line \(lineNumber): a summary belongs right after its signature")
                }
                current?.summary = String(line.dropFirst(13))
            } else if current != nil {
                if current?.summary.isEmpty == true { throw DatasetError("\(name): line \(lineNumber): the entry has no summary") }
                if current?.code.isEmpty == true, line.isEmpty { continue }
                current?.code += line + "\n"
            }
        }
        finish()
        if let empty = entries.first(where: { $0.code.isEmpty }) {
            throw DatasetError("\(name): the entry \(empty.signature) has no code")
        }
        return entries
    }
}
