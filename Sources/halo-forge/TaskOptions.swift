import ArgumentParser
import HaloForgeData
import HaloForgeVerify

/// Where a command's prompts come from besides `--dataset`, and how they are judged.
struct TaskOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp("Your own prompts: a JSONL/JSON file or a dataset folder (JSONL or Parquet); replaces --dataset.", discussion: """
        Records in the verify layout without code (id, language, prompt, optional test + entry_point / test_framework / io), prepared \
        records (data prepare, data generate), bare {"prompt": …} lines, or the HumanEval / MBPP / CodeForces layouts. Records \
        without tests are rewarded up to compiling (or running, with --run).
        """)) var prompts: String?
    @Option(name: [.short, .long], help: ArgumentHelp("How prompts are judged where a record does not say: \(VerifierChoice.names).", discussion: """
        msvc compiles on the --remote Windows host. A record without a language is C++ for gcc, clang, mingw and msvc, Python for \
        python, pytest and unittest, LANG for custom.
        """)) var verifier: String?
    @Option(help: "Folder with the shipped dataset files (default: $HALO_FORGE_DATASETS, else the datasets that ship with halo-forge).") var datasets: String?

    func validate() throws {
        if let verifier {
            do { _ = try VerifierChoice(parsing: verifier) } catch { throw ValidationError("--verifier: \(error)") }
        }
    }
}
