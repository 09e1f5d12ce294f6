import Foundation
@testable import HaloForgeData
import Testing

/// The built-in C tasks' reference solutions ship as a resource file of C: every task finds
/// its function there, and the file holds nothing else.
struct BuiltinReferencesTests {
    @Test func everyTaskHasItsReferenceFromTheResource() {
        let tasks = BuiltinTasks.all
        #expect(tasks.count == 144)
        #expect(BuiltinTasks.references.count == tasks.count)
        for task in tasks {
            let reference = task.reference ?? ""
            let name = task.entryPoint ?? ""
            // The function the prompt names, complete: its signature opens it, a brace closes it.
            #expect(reference.contains(" \(name)("), "\(task.id): no reference for \(name)")
            #expect(reference.hasSuffix("}\n"), "\(task.id): the reference does not end its function")
            #expect(!reference.contains("//@"), "\(task.id): the next entry leaked in")
        }
    }

    @Test func referencesParseFromTheirMarkers() {
        let text = "// header\n\n//@ task: fam/one\nint one(void) {\n    return 1;\n}\n\n\n//@ task: fam/two\nint two(void) { return 2; }\n"
        let parsed = BuiltinTasks.parseReferences(text)
        #expect(parsed == ["one": "int one(void) {\n    return 1;\n}\n", "two": "int two(void) { return 2; }\n"])
    }
}
