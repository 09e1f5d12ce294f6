internal import Foundation
public import HaloForgeCore

/// The public benchmarks that ship with halo-forge (the `datasets` folder, docs/DATA.md).
public enum DatasetName: String, Sendable, CaseIterable {
    case humaneval
    case mbpp
    case mbppSanitized = "mbpp-sanitized"
    case humanevalXCpp = "humaneval-x-cpp"
    case codeforces

    /// A set by its name, its file's name, or the names other tools use (`codeforces_cpp`,
    /// `humaneval_x_cpp`, `mbpp_sanitized`).
    public init?(named name: String) {
        var key = name.lowercased().replacingOccurrences(of: "_", with: "-")
        if key.hasSuffix(".jsonl") { key = String(key.dropLast(".jsonl".count)) }
        if let exact = DatasetName(rawValue: key) {
            self = exact
        } else if let match = DatasetName.allCases.first(where: { $0.fileName.replacingOccurrences(of: "_", with: "-") == key + ".jsonl" }) {
            self = match
        } else if key == "codeforces-cpp" {
            self = .codeforces
        } else {
            return nil
        }
    }

    public var fileName: String {
        switch self {
        case .humaneval: "humaneval.jsonl"
        case .mbpp: "mbpp.jsonl"
        case .mbppSanitized: "mbpp_sanitized.jsonl"
        case .humanevalXCpp: "humaneval_x_cpp.jsonl"
        case .codeforces: "codeforces_cpp_500.jsonl"
        }
    }
}

/// Which code a dataset's samples carry.
public enum CandidateSource: String, Sendable, CaseIterable {
    /// The reference solution (CodeForces: the recorded model response).
    case canonical
    /// Every body replaced by `return None` / `return {};`: a negative control.
    case returnNone = "return-none"
}

public struct DatasetError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum Datasets {
    /// The folder holding the dataset files: $HALO_FORGE_DATASETS, else the `datasets` folder
    /// that ships with halo-forge, found from the executable's location (see `shippedFolder`).
    public static func defaultFolder() -> String {
        if let env = ProcessInfo.processInfo.environment["HALO_FORGE_DATASETS"], !env.isEmpty { return env }
        return shippedFolder() ?? searchedFolders().first ?? "datasets"
    }

    /// The file that marks a folder as halo-forge's datasets (a stray `datasets/` folder in a
    /// user's working directory is not taken for them).
    static let marker = "ATTRIBUTION.md"

    /// The shipped datasets: `<prefix>/share/halo-forge/datasets` for an install under
    /// `<prefix>/bin`, `datasets` beside the executable, or the source tree a build in
    /// `.build/` came from (the nearest folder above the executable holding `datasets/`).
    public static func shippedFolder() -> String? {
        searchedFolders().first { FileManager.default.fileExists(atPath: $0 + "/" + marker) }
    }

    /// Where `shippedFolder` looks, in order.
    static func searchedFolders() -> [String] {
        guard let executable = executablePath() else { return [] }
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        var candidates = [folder.appendingPathComponent("../share/halo-forge/datasets").standardized.path, folder.path + "/datasets"]
        while folder.path != "/" {
            folder = folder.deletingLastPathComponent()
            candidates.append(folder.path == "/" ? "/datasets" : folder.path + "/datasets")
        }
        return candidates
    }

    /// The running executable with symbolic links resolved (an install may link bin/halo-forge
    /// to the real file).
    static func executablePath() -> String? {
        #if os(Linux)
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return target }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath().path
    }

    /// Samples of `dataset`, in file order. HumanEval-X problems that need libraries this
    /// host lacks (Boost, OpenSSL) are left out and named in `skipped`.
    public static func load(_ dataset: DatasetName, folder: String, candidates: CandidateSource = .canonical) throws -> (samples: [Sample], skipped: [String]) {
        let path = folder + "/" + dataset.fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError("cannot read \(path): pass --datasets DIR or set HALO_FORGE_DATASETS")
        }
        return try load(dataset, data: data, path: path, candidates: candidates)
    }

    /// Samples of JSON lines in `dataset`'s format (`path` names them in errors).
    /// `includeUnavailable` keeps the problems that need missing libraries (still named in `skipped`).
    static func load(
        _ dataset: DatasetName, data: Data, path: String, candidates: CandidateSource = .canonical, includeUnavailable: Bool = false
    ) throws -> (samples: [Sample], skipped: [String]) {
        var samples: [Sample] = []
        var skipped: [String] = []
        for (i, line) in JSONLines.lines(in: data).enumerated() {
            let lineNumber = line.number
            guard let object = (try? JSONValue.parse(line.text))?.objectValue else {
                throw DatasetError("\(path): line \(lineNumber): invalid JSON")
            }
            func field(_ key: String) throws -> String {
                guard let value = object[key]?.stringValue else { throw DatasetError("\(path): line \(lineNumber): missing field '\(key)'") }
                return value
            }
            switch dataset {
            case .humaneval:
                let prompt = try field("prompt")
                let body = candidates == .canonical ? try field("canonical_solution") : "    return None\n"
                samples.append(sample(
                    id: try field("task_id"), language: .python, code: prompt + body, test: try field("test"), entryPoint: try field("entry_point"),
                    extra: ["prompt": .string(prompt)]))
            case .mbpp:
                let id = "MBPP/\(object["task_id"].map { $0.serialized } ?? String(lineNumber))"
                let tests = (object["test_list"]?.arrayValue ?? []).compactMap(\.stringValue)
                let setup = object["test_setup_code"]?.stringValue ?? ""
                let code = candidates == .canonical ? try field("code") : returnNonePython(try field("code"))
                samples.append(sample(id: id, language: .python, code: code, test: setup + "\n" + tests.joined(separator: "\n") + "\n"))
            case .mbppSanitized:
                let id = "MBPP-S/\(object["task_id"].map { $0.serialized } ?? String(lineNumber))"
                let imports = (object["test_imports"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\n")
                let tests = (object["test_list"]?.arrayValue ?? []).compactMap(\.stringValue)
                let code = candidates == .canonical ? try field("code") : returnNonePython(try field("code"))
                samples.append(sample(id: id, language: .python, code: code, test: imports + "\n" + tests.joined(separator: "\n") + "\n"))
            case .humanevalXCpp:
                let id = try field("task_id")
                let prompt = try field("prompt")
                if let missing = missingHeader(prompt) {
                    skipped.append("\(id) (needs \(missing))")
                    if !includeUnavailable { continue }
                }
                let body = candidates == .canonical ? try field("canonical_solution") : "    return {};\n}\n"
                samples.append(sample(id: id, language: .cpp, code: prompt + body, test: try field("test"), extra: ["prompt": .string(prompt)]))
            case .codeforces:
                let id = "CF/\(i)"
                samples.append(sample(id: id, language: .cpp, code: candidates == .canonical ? try field("response") : "int main() { return {}; }\n", test: nil, extra: ["title": object["title"] ?? .null]))
            }
        }
        return (samples, skipped)
    }

    static func sample(id: String, language: Language, code: String, test: String?, entryPoint: String? = nil, extra: [String: JSONValue] = [:]) -> Sample {
        var record: [String: JSONValue] = ["id": .string(id), "language": .string(language.description), "code": .string(code)]
        if let test { record["test"] = .string(test) }
        if let entryPoint { record["entry_point"] = .string(entryPoint) }
        record.merge(extra) { a, _ in a }
        return Sample(id: id, language: language, candidate: .code(code), test: test, entryPoint: entryPoint, record: record)
    }

    /// The first function's body replaced by `return None`.
    static func returnNonePython(_ code: String) -> String {
        var lines = code.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let def = lines.firstIndex(where: { $0.hasPrefix("def ") }) else { return code }
        var end = def + 1
        while end < lines.count, lines[end].isEmpty || lines[end].hasPrefix(" ") || lines[end].hasPrefix("\t") { end += 1 }
        lines.replaceSubrange((def + 1)..<end, with: ["    return None"])
        return lines.joined(separator: "\n")
    }

    /// A header the prompt includes that this host lacks (Boost, OpenSSL).
    static func missingHeader(_ source: String) -> String? {
        let needs: [(String, String)] = [("boost/", "Boost"), ("openssl/", "OpenSSL")]
        for (fragment, name) in needs where source.contains("#include<\(fragment)") || source.contains("#include <\(fragment)") {
            guard let start = source.range(of: fragment) else { continue }
            let header = source[start.lowerBound...].prefix { $0 != ">" && $0 != "\"" && $0 != "\n" }
            if !FileManager.default.fileExists(atPath: "/usr/include/" + header) { return "\(name): \(header)" }
            if name == "OpenSSL" { return "OpenSSL: -lcrypto, which the record format does not link" }
        }
        return nil
    }

    /// The JSON line of a sample, as `verify` reads it.
    public static func jsonLine(_ sample: Sample) -> String {
        JSONValue.object(sample.record).serialized
    }
}
