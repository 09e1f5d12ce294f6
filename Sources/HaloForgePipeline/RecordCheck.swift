public import HaloForgeData
internal import Foundation

extension RecordValidation {
    /// `data validate`: prints FILE:LINE: problem for each problem in `file`, repairs what is safe
    /// with `fix` (rewriting the file atomically), and says whether no problem remains.
    public static func check(file: String, fix: Bool, python: String) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandError("cannot read \(file)") }
        let report = validate(text: String(decoding: data, as: UTF8.self), path: file, python: python)
        if let note = report.note { Terminal.note("warning: \(note)") }
        FileHandle.standardOutput.write(Data(report.listing(path: file, fixing: fix).utf8))
        if fix, report.problems.count > report.unfixable.count { try writeAtomically(report.fixedText, to: file) }
        Terminal.note(report.summary(path: file, fixing: fix))
        return report.remaining(fixing: fix) == 0
    }
}
