public import HaloForgeCore

/// How prompts are judged where a record does not say (`--verifier`, the `verifier` setting):
/// a name for one of the verifiers, which the verifier configuration and the task reader
/// both follow. The C and C++ choices read a record without a language as C++.
public enum VerifierChoice: Sendable, Equatable {
    /// The host's gcc/g++.
    case gcc
    /// The host's clang/clang++.
    case clang
    /// Windows programs through MinGW-w64, run under wine.
    case mingw
    /// MSVC on the Windows build host of `--remote`.
    case msvc
    /// Python with asserts or a `check()` function.
    case python
    /// Python whose `test` is a pytest file.
    case pytest
    /// Python whose `test` is a unittest file.
    case unittest
    /// A language served by command templates.
    case custom(CustomLanguage)

    public static let names = "gcc, clang, mingw, msvc, python, pytest, unittest or custom:LANG:EXT:COMPILE[:RUN]"

    /// Reads `gcc`, `pytest`, `custom:rust:rs:rustc {file} -o {output}`, …
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "gcc": self = .gcc
        case "clang": self = .clang
        case "mingw": self = .mingw
        case "msvc": self = .msvc
        case "python": self = .python
        case "pytest": self = .pytest
        case "unittest": self = .unittest
        default:
            guard text.hasPrefix("custom:") else { throw VerifierChoiceError("unknown verifier '\(text)' (known: \(Self.names))") }
            self = .custom(try CustomLanguage(spec: String(text.dropFirst("custom:".count))))
        }
    }

    /// The language of a record that names none.
    public var language: Language {
        switch self {
        case .gcc, .clang, .mingw, .msvc: .cpp
        case .python, .pytest, .unittest: .python
        case .custom(let language): .custom(language.name)
        }
    }

    /// How a Python record's `test` runs when the record does not say.
    public var testFramework: TestFramework? {
        switch self {
        case .pytest: .pytest
        case .unittest: .unittest
        case .python: .asserts
        default: nil
        }
    }

    /// Languages a custom command verifier serves.
    public var customLanguages: Set<String> {
        if case .custom(let language) = self { return [language.name] }
        return []
    }

    /// The verifier configuration that judges this way; `msvc` needs the build host set.
    public func apply(to configuration: inout VerifierConfiguration) throws {
        switch self {
        case .gcc: configuration.compiler = .gcc
        case .clang: configuration.compiler = .clang
        case .mingw: configuration.target = .mingw
        case .msvc:
            guard var remote = configuration.remote else {
                throw VerifierChoiceError("verifier msvc compiles on the Windows build host: give --remote HOST")
            }
            if !remote.kind.isWindows { remote.kind = .powershell }
            configuration.remote = remote
        case .python, .pytest, .unittest: break
        case .custom(let language):
            configuration.customLanguages.removeAll { $0.name == language.name }
            configuration.customLanguages.append(language)
        }
    }
}

public struct VerifierChoiceError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension CustomLanguage {
    /// Reads `LANG:EXT:COMPILE[:RUN]` (`--custom`, `--verifier custom:…`); an empty COMPILE
    /// means no compile step.
    public init(spec: String) throws {
        let parts = spec.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw VerifierChoiceError("custom verifier '\(spec)': expected LANG:EXT:COMPILE[:RUN]")
        }
        self.init(name: parts[0], fileExtension: parts[1], compile: parts[2].isEmpty ? nil : parts[2], run: parts.count > 3 ? parts[3] : nil)
    }
}
