internal import Foundation
internal import HaloForgeCore

/// Small, real C programming tasks that ship with halo-forge: families of functions
/// (integer series, digits, number theory, bases, arrays, strings), each task a
/// prompt naming one function's signature, a harness `main()` of asserts compiled
/// after the candidate (as in HumanEval-X), and a reference solution.
///
/// Tasks come from templates × parameters, deterministically. Every family gives
/// four training tasks and eight held-out tasks; the held-out ones use other
/// operations or constants of the same family (cubes instead of squares, modulo 97
/// instead of 1000, a right rotation instead of a left one), never copies.
/// Expected values are computed here, in Swift, from a model of each function.
public enum BuiltinTasks {
    /// The tasks to train on: 48.
    public static func train() -> [BenchmarkTask] { tasks(in: .train) }

    /// The tasks kept out of training, to measure on: 96. The first 24 are the held-out set
    /// of earlier runs, in its order, so that old and new results still compare.
    public static func heldOut() -> [BenchmarkTask] { tasks(in: .heldOut) + tasks(in: .heldOutAdded) }

    /// Training tasks, then held-out tasks.
    public static var all: [BenchmarkTask] { train() + heldOut() }

    /// Each task's reference solution by function name, read once from
    /// `Resources/builtin-c-references.c`, where they read (and diff) as C.
    static let references: [String: String] = {
        let name = "builtin-c-references.c"
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources")
            ?? Bundle.module.url(forResource: name, withExtension: nil),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            preconditionFailure("\(name) is missing from the halo-forge build: rebuild or reinstall halo-forge")
        }
        return parseReferences(text)
    }()

    /// `//@ task: FAMILY/NAME` lines, each followed by its function up to the next such line;
    /// the comment lines before the first are the file's header.
    static func parseReferences(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        var current: (name: String, lines: [Substring])?
        func finish() {
            guard var entry = current else { return }
            while entry.lines.last?.isEmpty == true { entry.lines.removeLast() }
            out[entry.name] = entry.lines.joined(separator: "\n") + "\n"
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("//@ task: ") {
                finish()
                current = (String(line.dropFirst("//@ task: ".count).split(separator: "/").last ?? ""), [])
            } else {
                current?.lines.append(line)
            }
        }
        finish()
        return out
    }

    static func tasks(in split: BuiltinSplit) -> [BenchmarkTask] {
        families().flatMap { family in
            family.specs.filter { $0.split == split }.map { $0.task(family: family.name) }
        }
    }
}

// MARK: - Task specification

/// Where a task is listed.
enum BuiltinSplit {
    case train
    /// The first held-out set: two tasks a family, 24 in all.
    case heldOut
    /// Six more held-out tasks a family, listed after the first 24: with 24 tasks a 95 %
    /// interval is about ±13 points wide, with 96 about ±6 to ±9 (docs/LEARNING.md).
    case heldOutAdded
}

/// One task before it becomes a `BenchmarkTask`.
struct BuiltinSpec {
    /// The function's name: the task's variant id and entry point.
    var name: String
    /// Its C signature, without a semicolon.
    var signature: String
    /// What it does, continuing "that …" in the prompt.
    var summary: String
    /// Headers the harness needs besides assert.h.
    var harnessIncludes: [String]
    /// Harness statements, one assert each.
    var checks: [String]
    var split: BuiltinSplit

    var prompt: String {
        "Write a C function `\(signature)` that \(summary). Reply with the complete C code of the function."
    }

    /// The reference solution, from `Resources/builtin-c-references.c`.
    var reference: String { BuiltinTasks.references[name] ?? "" }

    var test: String {
        var text = "#include <assert.h>\n"
        for header in harnessIncludes { text += "#include <\(header)>\n" }
        text += "\nint main(void) {\n"
        for check in checks { text += "    " + check + "\n" }
        text += "    return 0;\n}\n"
        return text
    }

    func task(family: String) -> BenchmarkTask {
        BenchmarkTask(
            id: "c/\(family)/\(name)", language: .c, prompt: prompt, completesPrompt: false, test: test, entryPoint: name,
            reference: reference)
    }
}

struct BuiltinFamily {
    var name: String
    var specs: [BuiltinSpec]
}

// MARK: - Templates: a signature shape, the inputs of its checks, and a Swift model

extension BuiltinTasks {
    /// `int name(int n)` checked on `inputs` against `model`.
    static func intToInt(
        _ name: String, _ summary: String, inputs: [Int], split: BuiltinSplit = .train, model: (Int) -> Int
    ) -> BuiltinSpec {
        BuiltinSpec(
            name: name, signature: "int \(name)(int n)", summary: summary, harnessIncludes: [],
            checks: inputs.map { "assert(\(name)(\($0)) == \(model($0)));" }, split: split)
    }

    /// `int name(int n)` returning 1 or 0, checked with `assert(f(x))` / `assert(!f(x))`.
    static func intPredicate(
        _ name: String, _ summary: String, inputs: [Int], split: BuiltinSplit = .train, model: (Int) -> Bool
    ) -> BuiltinSpec {
        BuiltinSpec(
            name: name, signature: "int \(name)(int n)", summary: summary, harnessIncludes: [],
            checks: inputs.map { "assert(\(model($0) ? "" : "!")\(name)(\($0)));" }, split: split)
    }

    /// `int name(int a, int b)` (parameter names as given) checked on pairs.
    static func twoInts(
        _ name: String, params: (String, String) = ("a", "b"), _ summary: String, inputs: [(Int, Int)], split: BuiltinSplit = .train,
        model: (Int, Int) -> Int
    ) -> BuiltinSpec {
        BuiltinSpec(
            name: name, signature: "int \(name)(int \(params.0), int \(params.1))", summary: summary, harnessIncludes: [],
            checks: inputs.map { "assert(\(name)(\($0.0), \($0.1)) == \(model($0.0, $0.1)));" }, split: split)
    }

    /// `int name(const int *a, int n)` checked on arrays.
    static func arrayToInt(
        _ name: String, _ summary: String, arrays: [[Int]], split: BuiltinSplit = .train, model: ([Int]) -> Int
    ) -> BuiltinSpec {
        BuiltinSpec(
            name: name, signature: "int \(name)(const int *a, int n)", summary: summary, harnessIncludes: [],
            checks: arrays.map { "{ const int a[] = {\(cList($0))}; assert(\(name)(a, \($0.count)) == \(model($0))); }" },
            split: split)
    }

    /// `int name(const int *a, int n)` returning 1 or 0.
    static func arrayPredicate(
        _ name: String, _ summary: String, arrays: [[Int]], split: BuiltinSplit = .train, model: ([Int]) -> Bool
    ) -> BuiltinSpec {
        BuiltinSpec(
            name: name, signature: "int \(name)(const int *a, int n)", summary: summary, harnessIncludes: [],
            checks: arrays.map { "{ const int a[] = {\(cList($0))}; assert(\(model($0) ? "" : "!")\(name)(a, \($0.count))); }" },
            split: split)
    }

    /// `void name(int *a, int n)` changing the array in place.
    static func arrayInPlace(
        _ name: String, _ summary: String, arrays: [[Int]], split: BuiltinSplit = .train, model: ([Int]) -> [Int]
    ) -> BuiltinSpec {
        BuiltinSpec(
            name: name, signature: "void \(name)(int *a, int n)", summary: summary, harnessIncludes: ["string.h"],
            checks: arrays.map {
                "{ int a[] = {\(cList($0))}; const int want[] = {\(cList(model($0)))}; \(name)(a, \($0.count)); "
                    + "assert(memcmp(a, want, sizeof want) == 0); }"
            }, split: split)
    }

    /// `int name(const char *s)` checked on strings.
    static func stringToInt(
        _ name: String, _ summary: String, strings: [String], split: BuiltinSplit = .train, model: ([UInt8]) -> Int
    ) -> BuiltinSpec {
        BuiltinSpec(
            name: name, signature: "int \(name)(const char *s)", summary: summary, harnessIncludes: [],
            checks: strings.map { "assert(\(name)(\(cString($0))) == \(model(Array($0.utf8))));" }, split: split)
    }

    /// `int name(const char *s)` returning 1 or 0.
    static func stringPredicate(
        _ name: String, _ summary: String, strings: [String], split: BuiltinSplit = .train, model: ([UInt8]) -> Bool
    ) -> BuiltinSpec {
        BuiltinSpec(
            name: name, signature: "int \(name)(const char *s)", summary: summary, harnessIncludes: [],
            checks: strings.map { "assert(\(model(Array($0.utf8)) ? "" : "!")\(name)(\(cString($0))));" },
            split: split)
    }

    /// `void name(char *s)` changing the string in place.
    static func stringInPlace(
        _ name: String, _ summary: String, strings: [String], split: BuiltinSplit = .train, model: ([UInt8]) -> [UInt8]
    ) -> BuiltinSpec {
        BuiltinSpec(
            name: name, signature: "void \(name)(char *s)", summary: summary, harnessIncludes: ["string.h"],
            checks: strings.map {
                let want = String(decoding: model(Array($0.utf8)), as: UTF8.self)
                return "{ char s[] = \(cString($0)); \(name)(s); assert(strcmp(s, \(cString(want))) == 0); }"
            }, split: split)
    }

    static func cList(_ values: [Int]) -> String { values.map(String.init).joined(separator: ", ") }

    static func cString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

// MARK: - Swift models shared by several tasks

extension BuiltinTasks {
    static func digits(_ n: Int, base: Int = 10) -> [Int] {
        guard n > 0 else { return [0] }
        var n = n
        var out: [Int] = []
        while n > 0 {
            out.append(n % base)
            n /= base
        }
        return out
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    static func powerMod(_ base: Int, _ exponent: Int, _ modulus: Int) -> Int {
        var result = 1 % modulus
        var b = base % modulus
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = result * b % modulus }
            b = b * b % modulus
            e >>= 1
        }
        return result
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    static func isUpper(_ c: UInt8) -> Bool { c >= 65 && c <= 90 }
    static func isLower(_ c: UInt8) -> Bool { c >= 97 && c <= 122 }
    static func isLetter(_ c: UInt8) -> Bool { isUpper(c) || isLower(c) }
    static let space = UInt8(ascii: " ")

    static func shiftLower(_ s: [UInt8], by k: Int) -> [UInt8] {
        s.map { isLower($0) ? UInt8((Int($0) - 97 + k) % 26 + 97) : $0 }
    }

    static func capitalizedWords(_ s: [UInt8]) -> [UInt8] {
        s.indices.map { i in isLower(s[i]) && (i == 0 || s[i - 1] == space) ? s[i] - 32 : s[i] }
    }

    static func swappedPairs(_ a: [Int]) -> [Int] {
        a.indices.map { i in i % 2 == 0 ? (i + 1 < a.count ? a[i + 1] : a[i]) : a[i - 1] }
    }
}

// MARK: - The families

extension BuiltinTasks {
    static func families() -> [BuiltinFamily] {
        [series(), digitFamily(), numberTheory(), twoNumbers(), bases(), arrayStats(), arraySearch(), arrayChecks(),
         arrayInPlace(), stringCounts(), stringChecks(), stringInPlace()]
    }

    static func series() -> BuiltinFamily {
        let inputs = [0, 1, 4, 10, 21, 30]
        func sum(_ n: Int, _ term: (Int) -> Int, where keep: (Int) -> Bool = { _ in true }) -> Int {
            n < 1 ? 0 : (1...n).filter(keep).map(term).reduce(0, +)
        }
        return BuiltinFamily(name: "series", specs: [
            intToInt("sum_to_n", "returns 1 + 2 + ... + n (0 when n is 0; n >= 0)", inputs: inputs,
                     model: { sum($0, { $0 }) }),
            intToInt("sum_squares", "returns 1*1 + 2*2 + ... + n*n (0 when n is 0; n >= 0)", inputs: inputs,
                     model: { sum($0, { $0 * $0 }) }),
            intToInt("sum_odd_upto", "returns the sum of the odd numbers from 1 to n (n >= 0)", inputs: inputs,
                     model: { sum($0, { $0 }, where: { $0 % 2 == 1 }) }),
            intToInt("sum_multiples_of_3", "returns the sum of the numbers from 1 to n that are divisible by 3 (n >= 0)",
                     inputs: inputs, model: { sum($0, { $0 }, where: { $0 % 3 == 0 }) }),
            intToInt("sum_cubes", "returns 1*1*1 + 2*2*2 + ... + n*n*n (0 when n is 0; n >= 0)", inputs: inputs, split: .heldOut,
                     model: { sum($0, { $0 * $0 * $0 }) }),
            intToInt("sum_multiples_of_7", "returns the sum of the numbers from 1 to n that are divisible by 7 (n >= 0)",
                     inputs: inputs, split: .heldOut, model: { sum($0, { $0 }, where: { $0 % 7 == 0 }) }),
            intToInt("sum_even_upto", "returns the sum of the even numbers from 1 to n (n >= 0)", inputs: inputs, split: .heldOutAdded,
                     model: { sum($0, { $0 }, where: { $0 % 2 == 0 }) }),
            intToInt("sum_multiples_of_5", "returns the sum of the numbers from 1 to n that are divisible by 5 (n >= 0)",
                     inputs: inputs, split: .heldOutAdded, model: { sum($0, { $0 }, where: { $0 % 5 == 0 }) }),
            intToInt("sum_multiples_of_3_or_5", "returns the sum of the numbers from 1 to n that are divisible by 3 or by 5 (n >= 0)",
                     inputs: inputs, split: .heldOutAdded, model: { sum($0, { $0 }, where: { $0 % 3 == 0 || $0 % 5 == 0 }) }),
            intToInt("alternating_sum", "returns 1 - 2 + 3 - 4 + ..., adding the odd numbers and subtracting the even ones up to n (0 when n is 0; n >= 0)",
                     inputs: inputs, split: .heldOutAdded, model: { sum($0, { $0 % 2 == 1 ? $0 : -$0 }) }),
            intToInt("sum_odd_squares", "returns the sum of the squares of the odd numbers from 1 to n (n >= 0)", inputs: inputs,
                     split: .heldOutAdded, model: { sum($0, { $0 * $0 }, where: { $0 % 2 == 1 }) }),
            intToInt("sum_consecutive_products", "returns 1*2 + 2*3 + ... + n*(n+1) (0 when n is 0; n >= 0)", inputs: inputs,
                     split: .heldOutAdded, model: { sum($0, { $0 * ($0 + 1) }) }),
        ])
    }

    static func digitFamily() -> BuiltinFamily {
        let inputs = [0, 7, 38, 907, 2468, 777170]
        return BuiltinFamily(name: "digits", specs: [
            intToInt("digit_sum", "returns the sum of the decimal digits of n (n >= 0)", inputs: inputs,
                     model: { digits($0).reduce(0, +) }),
            intToInt("digit_count", "returns the number of decimal digits of n (n >= 0; 0 has one digit)", inputs: inputs,
                     model: { digits($0).count }),
            intToInt("count_sevens", "returns how many of the decimal digits of n are 7 (n >= 0)", inputs: inputs,
                     model: { digits($0).filter { $0 == 7 }.count }),
            intToInt("largest_digit", "returns the largest decimal digit of n (n >= 0)", inputs: inputs,
                     model: { digits($0).max()! }),
            intToInt("digit_product", "returns the product of the decimal digits of n (n >= 0)", inputs: inputs, split: .heldOut,
                     model: { digits($0).reduce(1, *) }),
            intToInt("reverse_digits", "returns the number written with the decimal digits of n in reverse order (n >= 0; 120 gives 21)",
                     inputs: inputs, split: .heldOut, model: { digits($0).reduce(0) { $0 * 10 + $1 } }),
            intToInt("smallest_digit", "returns the smallest decimal digit of n (n >= 0)", inputs: inputs, split: .heldOutAdded,
                     model: { digits($0).min()! }),
            intToInt("count_even_digits", "returns how many of the decimal digits of n are even (n >= 0; 0 has one even digit)",
                     inputs: inputs, split: .heldOutAdded, model: { digits($0).filter { $0 % 2 == 0 }.count }),
            intToInt("count_zero_digits", "returns how many of the decimal digits of n are 0 (n >= 0; 0 has one such digit)",
                     inputs: inputs, split: .heldOutAdded, model: { digits($0).filter { $0 == 0 }.count }),
            intToInt("sum_odd_digits", "returns the sum of the odd decimal digits of n (n >= 0)", inputs: inputs, split: .heldOutAdded,
                     model: { digits($0).filter { $0 % 2 == 1 }.reduce(0, +) }),
            intToInt("first_digit", "returns the first (most significant) decimal digit of n (n >= 0)", inputs: inputs,
                     split: .heldOutAdded, model: { digits($0).last! }),
            intToInt("digit_square_sum", "returns the sum of the squares of the decimal digits of n (n >= 0)", inputs: inputs,
                     split: .heldOutAdded, model: { digits($0).map { $0 * $0 }.reduce(0, +) }),
        ])
    }

    static func numberTheory() -> BuiltinFamily {
        func divisors(_ n: Int) -> [Int] { (1...n).filter { n % $0 == 0 } }
        func fib(_ n: Int) -> Int {
            var (a, b) = (0, 1)
            for _ in 0..<n { (a, b) = (b, a + b) }
            return a
        }
        func lucas(_ n: Int) -> Int {
            var (a, b) = (2, 1)
            for _ in 0..<n { (a, b) = (b, a + b) }
            return a
        }
        func trib(_ n: Int) -> Int {
            var (a, b, c) = (0, 1, 1)
            for _ in 0..<n { (a, b, c) = (b, c, a + b + c) }
            return a
        }
        return BuiltinFamily(name: "numtheory", specs: [
            intToInt("factorial", "returns n! (0 <= n <= 12)", inputs: [0, 1, 5, 7, 10, 12],
                     model: { $0 < 1 ? 1 : (1...$0).reduce(1, *) }),
            intPredicate("is_prime", "returns 1 if n is a prime number and 0 otherwise (n >= 0)", inputs: [1, 2, 9, 17, 91, 97],
                         model: { n in n >= 2 && (2..<n).allSatisfy { n % $0 != 0 } }),
            intToInt("count_divisors", "returns the number of positive divisors of n (n >= 1)", inputs: [1, 6, 12, 17, 36, 100],
                     model: { divisors($0).count }),
            intToInt("fibonacci", "returns the n-th Fibonacci number, where fibonacci(0) = 0 and fibonacci(1) = 1 (0 <= n <= 40)",
                     inputs: [0, 1, 2, 10, 20, 30], model: fib),
            intToInt("sum_divisors", "returns the sum of all positive divisors of n, n itself included (n >= 1)",
                     inputs: [1, 6, 12, 17, 28, 100], split: .heldOut, model: { divisors($0).reduce(0, +) }),
            intToInt("tribonacci", "returns t(n), where t(0) = 0, t(1) = 1, t(2) = 1 and t(n) = t(n-1) + t(n-2) + t(n-3) (0 <= n <= 30)",
                     inputs: [0, 1, 2, 3, 10, 25], split: .heldOut, model: trib),
            intPredicate("is_perfect", "returns 1 if n equals the sum of its positive divisors other than n itself and 0 otherwise (n >= 1)",
                         inputs: [1, 6, 12, 28, 100, 496], split: .heldOutAdded,
                         model: { n in divisors(n).dropLast().reduce(0, +) == n }),
            intToInt("smallest_prime_factor", "returns the smallest prime number that divides n (n >= 2)", inputs: [2, 9, 15, 17, 91, 100],
                     split: .heldOutAdded, model: { n in divisors(n).dropFirst().first! }),
            intToInt("double_factorial", "returns n * (n-2) * (n-4) * ..., down to 2 or 1 (1 when n is 0; 0 <= n <= 19)",
                     inputs: [0, 1, 5, 6, 10, 15], split: .heldOutAdded,
                     model: { n in stride(from: n, to: 1, by: -2).reduce(1, *) }),
            intToInt("lucas", "returns the n-th Lucas number, where lucas(0) = 2, lucas(1) = 1 and lucas(n) = lucas(n-1) + lucas(n-2) (0 <= n <= 40)",
                     inputs: [0, 1, 2, 10, 20, 30], split: .heldOutAdded, model: lucas),
            intToInt("count_odd_divisors", "returns the number of odd positive divisors of n (n >= 1)", inputs: [1, 6, 12, 17, 36, 100],
                     split: .heldOutAdded, model: { divisors($0).filter { $0 % 2 == 1 }.count }),
            intPredicate("is_square", "returns 1 if n is the square of an integer and 0 otherwise (n >= 0)", inputs: [0, 1, 15, 16, 99, 144],
                         split: .heldOutAdded, model: { n in (0...n).contains { $0 * $0 == n } }),
        ])
    }

    static func twoNumbers() -> BuiltinFamily {
        let powers = [(2, 10), (3, 0), (7, 13), (123, 45), (999, 999), (0, 5)]
        return BuiltinFamily(name: "numpair", specs: [
            twoInts("gcd", "returns the greatest common divisor of a and b (a, b >= 0, not both 0)",
                    inputs: [(12, 18), (17, 5), (0, 9), (100, 75), (7, 7), (270, 192)], model: gcd),
            twoInts("power_mod_1000", params: ("base", "e"), "returns base raised to the power e, modulo 1000 (base >= 0, e >= 0)",
                    inputs: powers, model: { powerMod($0, $1, 1000) }),
            twoInts("binomial", params: ("n", "k"), "returns the binomial coefficient C(n, k) (0 <= k <= n <= 20)",
                    inputs: [(5, 2), (10, 0), (10, 10), (20, 10), (7, 3), (16, 5)],
                    model: { n, k in (0..<k).reduce(1) { $0 * (n - $1) / ($1 + 1) } }),
            twoInts("int_power", "returns a raised to the power b (b >= 0; the result fits in an int)",
                    inputs: [(2, 10), (3, 0), (-2, 3), (5, 5), (10, 6), (1, 100)],
                    model: { a, b in (0..<b).reduce(1) { r, _ in r * a } }),
            twoInts("lcm", "returns the least common multiple of a and b (a, b >= 1)",
                    inputs: [(4, 6), (5, 7), (1, 9), (12, 18), (21, 6), (8, 8)], split: .heldOut, model: { $0 / gcd($0, $1) * $1 }),
            twoInts("power_mod_97", params: ("base", "e"), "returns base raised to the power e, modulo 97 (base >= 0, e >= 0)",
                    inputs: powers, split: .heldOut, model: { powerMod($0, $1, 97) }),
            twoInts("power_mod_13", params: ("base", "e"), "returns base raised to the power e, modulo 13 (base >= 0, e >= 0)",
                    inputs: powers, split: .heldOutAdded, model: { powerMod($0, $1, 13) }),
            twoInts("are_coprime", "returns 1 if no integer greater than 1 divides both a and b, and 0 otherwise (a, b >= 1)",
                    inputs: [(12, 18), (17, 5), (1, 9), (100, 75), (7, 7), (270, 193)], split: .heldOutAdded,
                    model: { gcd($0, $1) == 1 ? 1 : 0 }),
            twoInts("permutations", params: ("n", "k"), "returns n * (n-1) * ... * (n-k+1), the number of ordered choices of k of n items (0 <= k <= n <= 12)",
                    inputs: [(5, 2), (10, 0), (10, 10), (12, 3), (7, 3), (6, 6)], split: .heldOutAdded,
                    model: { n, k in (0..<k).reduce(1) { $0 * (n - $1) } }),
            twoInts("sum_range", "returns the sum of the integers from a to b, both included (0 when a > b)",
                    inputs: [(1, 10), (5, 5), (3, 1), (-4, 4), (10, 20), (0, 100)], split: .heldOutAdded,
                    model: { a, b in a > b ? 0 : (a...b).reduce(0, +) }),
            twoInts("int_log", "returns the largest e such that b raised to the power e is at most a (a >= 1, b >= 2)",
                    inputs: [(1, 2), (8, 2), (9, 2), (1000, 10), (999, 10), (80, 3)], split: .heldOutAdded,
                    model: { a, b in digits(a, base: b).count - 1 }),
            twoInts("count_common_divisors", "returns how many positive integers divide both a and b (a, b >= 1)",
                    inputs: [(12, 18), (17, 5), (1, 9), (100, 75), (7, 7), (36, 48)], split: .heldOutAdded,
                    model: { a, b in (1...min(a, b)).filter { a % $0 == 0 && b % $0 == 0 }.count }),
        ])
    }

    static func bases() -> BuiltinFamily {
        let inputs = [0, 1, 7, 8, 255, 1000]
        return BuiltinFamily(name: "bases", specs: [
            intToInt("count_one_bits", "returns the number of 1 bits in the binary representation of n (n >= 0)", inputs: inputs,
                     model: { digits($0, base: 2).reduce(0, +) }),
            intToInt("binary_digit_count", "returns the number of digits of n written in binary (n >= 0; 0 has one digit)",
                     inputs: inputs, model: { digits($0, base: 2).count }),
            intToInt("octal_digit_sum", "returns the sum of the digits of n written in base 8 (n >= 0)", inputs: inputs,
                     model: { digits($0, base: 8).reduce(0, +) }),
            intToInt("hex_digit_count", "returns the number of digits of n written in base 16 (n >= 0; 0 has one digit)",
                     inputs: inputs, model: { digits($0, base: 16).count }),
            intToInt("ternary_digit_sum", "returns the sum of the digits of n written in base 3 (n >= 0)", inputs: inputs,
                     split: .heldOut, model: { digits($0, base: 3).reduce(0, +) }),
            intToInt("base5_digit_count", "returns the number of digits of n written in base 5 (n >= 0; 0 has one digit)",
                     inputs: inputs, split: .heldOut, model: { digits($0, base: 5).count }),
            intToInt("count_zero_bits", "returns the number of 0 bits in the binary representation of n without leading zeros (n >= 0; 0 has one 0 bit)",
                     inputs: inputs, split: .heldOutAdded, model: { digits($0, base: 2).filter { $0 == 0 }.count }),
            intToInt("octal_digit_count", "returns the number of digits of n written in base 8 (n >= 0; 0 has one digit)",
                     inputs: inputs, split: .heldOutAdded, model: { digits($0, base: 8).count }),
            intToInt("hex_digit_sum", "returns the sum of the digits of n written in base 16 (n >= 0)", inputs: inputs,
                     split: .heldOutAdded, model: { digits($0, base: 16).reduce(0, +) }),
            intToInt("base7_digit_sum", "returns the sum of the digits of n written in base 7 (n >= 0)", inputs: inputs,
                     split: .heldOutAdded, model: { digits($0, base: 7).reduce(0, +) }),
            intToInt("binary_reverse", "returns the number whose binary digits are those of n in reverse order (n >= 0; 6, binary 110, gives 3)",
                     inputs: inputs, split: .heldOutAdded, model: { digits($0, base: 2).reduce(0) { $0 * 2 + $1 } }),
            intPredicate("is_binary_palindrome", "returns 1 if the binary representation of n without leading zeros reads the same both ways and 0 otherwise (n >= 0)",
                         inputs: inputs, split: .heldOutAdded, model: { digits($0, base: 2) == digits($0, base: 2).reversed() }),
        ])
    }

    static func arrayStats() -> BuiltinFamily {
        let arrays = [[3, 12, -4, 25, 10], [7], [-8, -3, -15], [11, 11, 0, 42, 9, 10, 64], [2, 4, 6, 8], [-1, 20, -30, 5]]
        return BuiltinFamily(name: "array_stats", specs: [
            arrayToInt("array_sum", "returns the sum of the n elements of a (n >= 1)", arrays: arrays,
                       model: { $0.reduce(0, +) }),
            arrayToInt("array_max", "returns the largest of the n elements of a (n >= 1)", arrays: arrays,
                       model: { $0.max()! }),
            arrayToInt("count_above_10", "returns how many of the n elements of a are greater than 10", arrays: arrays,
                       model: { $0.filter { $0 > 10 }.count }),
            arrayToInt("count_even", "returns how many of the n elements of a are even", arrays: arrays,
                       model: { $0.filter { $0 % 2 == 0 }.count }),
            arrayToInt("array_min", "returns the smallest of the n elements of a (n >= 1)", arrays: arrays, split: .heldOut,
                       model: { $0.min()! }),
            arrayToInt("sum_of_negatives", "returns the sum of the negative elements among the n elements of a (0 if there are none)",
                       arrays: arrays, split: .heldOut, model: { $0.filter { $0 < 0 }.reduce(0, +) }),
            arrayToInt("count_odd", "returns how many of the n elements of a are odd", arrays: arrays, split: .heldOutAdded,
                       model: { $0.filter { $0 % 2 != 0 }.count }),
            arrayToInt("count_negative", "returns how many of the n elements of a are less than 0", arrays: arrays, split: .heldOutAdded,
                       model: { $0.filter { $0 < 0 }.count }),
            arrayToInt("sum_of_positives", "returns the sum of the positive elements among the n elements of a (0 if there are none)",
                       arrays: arrays, split: .heldOutAdded, model: { $0.filter { $0 > 0 }.reduce(0, +) }),
            arrayToInt("array_range", "returns the largest minus the smallest of the n elements of a (n >= 1)", arrays: arrays,
                       split: .heldOutAdded, model: { $0.max()! - $0.min()! }),
            arrayToInt("array_square_sum", "returns the sum of the squares of the n elements of a", arrays: arrays, split: .heldOutAdded,
                       model: { $0.map { $0 * $0 }.reduce(0, +) }),
            arrayToInt("sum_of_evens", "returns the sum of the even elements among the n elements of a (0 if there are none)",
                       arrays: arrays, split: .heldOutAdded, model: { $0.filter { $0 % 2 == 0 }.reduce(0, +) }),
        ])
    }

    static func arraySearch() -> BuiltinFamily {
        let arrays = [[3, 0, -4, 25, 0], [7], [-8, -3, -15], [11, 64, 0, 42, 9, 0, 64], [2, 4, 6, 8], [5, 9, 1, -2]]
        func first(_ keep: @escaping (Int) -> Bool) -> ([Int]) -> Int { { $0.firstIndex(where: keep) ?? -1 } }
        func last(_ keep: @escaping (Int) -> Bool) -> ([Int]) -> Int { { $0.lastIndex(where: keep) ?? -1 } }
        return BuiltinFamily(name: "array_search", specs: [
            arrayToInt("index_of_max", "returns the index of the largest of the n elements of a, the first one if it occurs more than once (n >= 1)",
                       arrays: arrays, model: { a in a.firstIndex(of: a.max()!)! }),
            arrayToInt("index_of_first_negative", "returns the index of the first negative element among the n elements of a, or -1 if there is none",
                       arrays: arrays, model: first { $0 < 0 }),
            arrayToInt("index_of_first_even", "returns the index of the first even element among the n elements of a, or -1 if there is none",
                       arrays: arrays, model: first { $0 % 2 == 0 }),
            arrayToInt("index_of_last_zero", "returns the index of the last element equal to 0 among the n elements of a, or -1 if there is none",
                       arrays: arrays, model: last { $0 == 0 }),
            arrayToInt("index_of_min", "returns the index of the smallest of the n elements of a, the first one if it occurs more than once (n >= 1)",
                       arrays: arrays, split: .heldOut, model: { a in a.firstIndex(of: a.min()!)! }),
            arrayToInt("index_of_last_negative", "returns the index of the last negative element among the n elements of a, or -1 if there is none",
                       arrays: arrays, split: .heldOut, model: last { $0 < 0 }),
            arrayToInt("index_of_last_max", "returns the index of the largest of the n elements of a, the last one if it occurs more than once (n >= 1)",
                       arrays: arrays, split: .heldOutAdded, model: { a in a.lastIndex(of: a.max()!)! }),
            arrayToInt("index_of_first_zero", "returns the index of the first element equal to 0 among the n elements of a, or -1 if there is none",
                       arrays: arrays, split: .heldOutAdded, model: first { $0 == 0 }),
            arrayToInt("index_of_first_odd", "returns the index of the first odd element among the n elements of a, or -1 if there is none",
                       arrays: arrays, split: .heldOutAdded, model: first { $0 % 2 != 0 }),
            arrayToInt("index_of_last_even", "returns the index of the last even element among the n elements of a, or -1 if there is none",
                       arrays: arrays, split: .heldOutAdded, model: last { $0 % 2 == 0 }),
            arrayToInt("index_of_first_positive", "returns the index of the first element greater than 0 among the n elements of a, or -1 if there is none",
                       arrays: arrays, split: .heldOutAdded, model: first { $0 > 0 }),
            arrayToInt("index_of_first_above_10", "returns the index of the first element greater than 10 among the n elements of a, or -1 if there is none",
                       arrays: arrays, split: .heldOutAdded, model: first { $0 > 10 }),
        ])
    }

    static func arrayChecks() -> BuiltinFamily {
        let arrays = [[1, 2, 2, 5], [1, 3, 7, 9], [9, 4, 4, 1], [5], [-2, 4, 6], [8, 6, 4, 2]]
        func adjacent(_ keep: @escaping (Int, Int) -> Bool) -> ([Int]) -> Bool { { a in zip(a, a.dropFirst()).allSatisfy(keep) } }
        return BuiltinFamily(name: "array_check", specs: [
            arrayPredicate("is_sorted", "returns 1 if the n elements of a are in non-decreasing order and 0 otherwise", arrays: arrays,
                           model: adjacent { $0 <= $1 }),
            arrayPredicate("all_positive", "returns 1 if every one of the n elements of a is greater than 0 and 0 otherwise", arrays: arrays,
                           model: { $0.allSatisfy { $0 > 0 } }),
            arrayPredicate("has_duplicate", "returns 1 if some value occurs at least twice among the n elements of a and 0 otherwise",
                           arrays: arrays, model: { Set($0).count < $0.count }),
            arrayPredicate("is_strictly_increasing", "returns 1 if each of the n elements of a is greater than the one before it and 0 otherwise",
                           arrays: arrays, model: adjacent { $0 < $1 }),
            arrayPredicate("is_sorted_descending", "returns 1 if the n elements of a are in non-increasing order and 0 otherwise",
                           arrays: arrays, split: .heldOut, model: adjacent { $0 >= $1 }),
            arrayPredicate("all_even", "returns 1 if every one of the n elements of a is even and 0 otherwise", arrays: arrays,
                           split: .heldOut, model: { $0.allSatisfy { $0 % 2 == 0 } }),
            arrayPredicate("is_strictly_decreasing", "returns 1 if each of the n elements of a is less than the one before it and 0 otherwise",
                           arrays: arrays, split: .heldOutAdded, model: adjacent { $0 > $1 }),
            arrayPredicate("all_odd", "returns 1 if every one of the n elements of a is odd and 0 otherwise", arrays: arrays,
                           split: .heldOutAdded, model: { $0.allSatisfy { $0 % 2 != 0 } }),
            arrayPredicate("has_negative", "returns 1 if at least one of the n elements of a is less than 0 and 0 otherwise", arrays: arrays,
                           split: .heldOutAdded, model: { $0.contains { $0 < 0 } }),
            arrayPredicate("has_even", "returns 1 if at least one of the n elements of a is even and 0 otherwise", arrays: arrays,
                           split: .heldOutAdded, model: { $0.contains { $0 % 2 == 0 } }),
            arrayPredicate("all_equal", "returns 1 if the n elements of a are all equal and 0 otherwise (n >= 1)", arrays: arrays,
                           split: .heldOutAdded, model: { Set($0).count == 1 }),
            arrayPredicate("sum_is_even", "returns 1 if the sum of the n elements of a is even and 0 otherwise", arrays: arrays,
                           split: .heldOutAdded, model: { $0.reduce(0, +) % 2 == 0 }),
        ])
    }

    static func arrayInPlace() -> BuiltinFamily {
        let arrays = [[1, 2, 3, 4, 5], [7], [-3, 12, 0, -1], [10, 20], [4, -4, 11, 6, 30, -9]]
        return BuiltinFamily(name: "array_inplace", specs: [
            arrayInPlace("reverse_array", "reverses the order of the n elements of a in place", arrays: arrays,
                         model: { Array($0.reversed()) }),
            arrayInPlace("rotate_left", "rotates the n elements of a left by one place, in place: the first element moves to the end (n >= 1)",
                         arrays: arrays, model: { Array($0.dropFirst()) + [$0[0]] }),
            arrayInPlace("zero_negatives", "replaces every negative one of the n elements of a with 0, in place", arrays: arrays,
                         model: { $0.map { max($0, 0) } }),
            arrayInPlace("square_each", "replaces each of the n elements of a with its square, in place", arrays: arrays,
                         model: { $0.map { $0 * $0 } }),
            arrayInPlace("rotate_right", "rotates the n elements of a right by one place, in place: the last element moves to the front (n >= 1)",
                         arrays: arrays, split: .heldOut, model: { [$0[$0.count - 1]] + $0.dropLast() }),
            arrayInPlace("cap_at_10", "replaces every one of the n elements of a that is greater than 10 with 10, in place",
                         arrays: arrays, split: .heldOut, model: { $0.map { min($0, 10) } }),
            arrayInPlace("negate_each", "replaces each of the n elements of a with its negation, in place", arrays: arrays,
                         split: .heldOutAdded, model: { $0.map { -$0 } }),
            arrayInPlace("absolute_each", "replaces each of the n elements of a with its absolute value, in place", arrays: arrays,
                         split: .heldOutAdded, model: { $0.map { abs($0) } }),
            arrayInPlace("increment_each", "adds 1 to each of the n elements of a, in place", arrays: arrays, split: .heldOutAdded,
                         model: { $0.map { $0 + 1 } }),
            arrayInPlace("zero_odds", "replaces every odd one of the n elements of a with 0, in place", arrays: arrays,
                         split: .heldOutAdded, model: { $0.map { $0 % 2 != 0 ? 0 : $0 } }),
            arrayInPlace("floor_at_5", "replaces every one of the n elements of a that is less than 5 with 5, in place", arrays: arrays,
                         split: .heldOutAdded, model: { $0.map { max($0, 5) } }),
            arrayInPlace("swap_pairs", "swaps the n elements of a in pairs, in place: a[0] with a[1], a[2] with a[3], and so on (an odd last element stays)",
                         arrays: arrays, split: .heldOutAdded, model: swappedPairs),
        ])
    }

    static func stringCounts() -> BuiltinFamily {
        let strings = ["", "hello world", "Hello, World 2024", "  two  spaces  ", "AEIOU xyz", "a1b2c3"]
        let vowels = Set("aeiouAEIOU".utf8)
        return BuiltinFamily(name: "string_count", specs: [
            stringToInt("string_length", "returns the length of the string s without calling strlen", strings: strings,
                        model: { $0.count }),
            stringToInt("count_vowels", "returns how many characters of s are vowels (a, e, i, o or u, in either case)",
                        strings: strings, model: { $0.filter(vowels.contains).count }),
            stringToInt("count_digits", "returns how many characters of s are decimal digits", strings: strings,
                        model: { $0.filter(isDigit).count }),
            stringToInt("count_words", "returns the number of words in s, where words are separated by one or more spaces",
                        strings: strings, model: { $0.split(separator: space).count }),
            stringToInt("count_uppercase", "returns how many characters of s are uppercase letters A-Z", strings: strings,
                        split: .heldOut, model: { $0.filter(isUpper).count }),
            stringToInt("count_spaces", "returns how many characters of s are spaces", strings: strings, split: .heldOut,
                        model: { $0.filter { $0 == space }.count }),
            stringToInt("count_lowercase", "returns how many characters of s are lowercase letters a-z", strings: strings,
                        split: .heldOutAdded, model: { $0.filter(isLower).count }),
            stringToInt("count_consonants", "returns how many characters of s are letters other than vowels (vowels: a, e, i, o, u, in either case)",
                        strings: strings, split: .heldOutAdded, model: { $0.filter { isLetter($0) && !vowels.contains($0) }.count }),
            stringToInt("count_letters", "returns how many characters of s are letters a-z or A-Z", strings: strings,
                        split: .heldOutAdded, model: { $0.filter(isLetter).count }),
            stringToInt("count_letter_l", "returns how many characters of s are the lowercase letter 'l'", strings: strings,
                        split: .heldOutAdded, model: { $0.filter { $0 == UInt8(ascii: "l") }.count }),
            stringToInt("longest_word_length", "returns the length of the longest word in s, where words are separated by one or more spaces (0 if there is none)",
                        strings: strings, split: .heldOutAdded, model: { $0.split(separator: space).map(\.count).max() ?? 0 }),
            stringToInt("sum_of_digit_chars", "returns the sum of the values of the decimal digits in s (\"a1b2\" gives 3)", strings: strings,
                        split: .heldOutAdded, model: { $0.filter(isDigit).map { Int($0) - 48 }.reduce(0, +) }),
        ])
    }

    static func stringChecks() -> BuiltinFamily {
        let strings = ["", "abba", "12321", "Hello", "abc 3", "level"]
        return BuiltinFamily(name: "string_check", specs: [
            stringPredicate("is_palindrome", "returns 1 if s reads the same forwards and backwards (the empty string does) and 0 otherwise",
                            strings: strings, model: { $0 == $0.reversed() }),
            stringPredicate("all_digits", "returns 1 if s is not empty and every character of s is a decimal digit, and 0 otherwise",
                            strings: strings, model: { !$0.isEmpty && $0.allSatisfy(isDigit) }),
            stringPredicate("has_adjacent_repeat", "returns 1 if two adjacent characters of s are equal and 0 otherwise",
                            strings: strings, model: { s in zip(s, s.dropFirst()).contains { $0 == $1 } }),
            stringPredicate("starts_with_upper", "returns 1 if the first character of s is an uppercase letter A-Z and 0 otherwise (0 for the empty string)",
                            strings: strings, model: { $0.first.map(isUpper) ?? false }),
            stringPredicate("all_lowercase", "returns 1 if s is not empty and every character of s is a lowercase letter a-z, and 0 otherwise",
                            strings: strings, split: .heldOut, model: { !$0.isEmpty && $0.allSatisfy(isLower) }),
            stringPredicate("ends_with_digit", "returns 1 if the last character of s is a decimal digit and 0 otherwise (0 for the empty string)",
                            strings: strings, split: .heldOut, model: { $0.last.map(isDigit) ?? false }),
            stringPredicate("has_space", "returns 1 if s contains a space and 0 otherwise", strings: strings, split: .heldOutAdded,
                            model: { $0.contains(space) }),
            stringPredicate("has_vowel", "returns 1 if s contains at least one lowercase vowel (a, e, i, o or u) and 0 otherwise",
                            strings: strings, split: .heldOutAdded, model: { $0.contains { Set("aeiou".utf8).contains($0) } }),
            stringPredicate("has_even_length", "returns 1 if s has an even number of characters and 0 otherwise (1 for the empty string)",
                            strings: strings, split: .heldOutAdded, model: { $0.count % 2 == 0 }),
            stringPredicate("first_equals_last", "returns 1 if s is not empty and its first and last characters are equal, and 0 otherwise",
                            strings: strings, split: .heldOutAdded, model: { !$0.isEmpty && $0.first == $0.last }),
            stringPredicate("all_letters", "returns 1 if s is not empty and every character of s is a letter a-z or A-Z, and 0 otherwise",
                            strings: strings, split: .heldOutAdded, model: { !$0.isEmpty && $0.allSatisfy(isLetter) }),
            stringPredicate("all_distinct_chars", "returns 1 if no character occurs more than once in s and 0 otherwise (1 for the empty string)",
                            strings: strings, split: .heldOutAdded, model: { Set($0).count == $0.count }),
        ])
    }

    static func stringInPlace() -> BuiltinFamily {
        let strings = ["", "abc", "Hello World", "xyz zz", "C3-PO!"]
        return BuiltinFamily(name: "string_inplace", specs: [
            stringInPlace("reverse_string", "reverses the string s in place", strings: strings, model: { Array($0.reversed()) }),
            stringInPlace("to_upper", "converts every lowercase letter a-z of s to uppercase in place, leaving other characters unchanged",
                          strings: strings, model: { $0.map { isLower($0) ? $0 - 32 : $0 } }),
            stringInPlace("replace_spaces", "replaces every space in s with an underscore '_', in place", strings: strings,
                          model: { $0.map { $0 == space ? UInt8(ascii: "_") : $0 } }),
            stringInPlace("shift_letters_1", "moves every lowercase letter of s one place forward in the alphabet, in place ('z' becomes 'a'), leaving other characters unchanged",
                          strings: strings, model: { shiftLower($0, by: 1) }),
            stringInPlace("to_lower", "converts every uppercase letter A-Z of s to lowercase in place, leaving other characters unchanged",
                          strings: strings, split: .heldOut, model: { $0.map { isUpper($0) ? $0 + 32 : $0 } }),
            stringInPlace("shift_letters_13", "moves every lowercase letter of s 13 places forward in the alphabet, in place ('z' becomes 'm'), leaving other characters unchanged",
                          strings: strings, split: .heldOut, model: { shiftLower($0, by: 13) }),
            stringInPlace("swap_case", "converts every lowercase letter a-z of s to uppercase and every uppercase letter A-Z to lowercase, in place, leaving other characters unchanged",
                          strings: strings, split: .heldOutAdded, model: { $0.map { isLower($0) ? $0 - 32 : isUpper($0) ? $0 + 32 : $0 } }),
            stringInPlace("shift_letters_3", "moves every lowercase letter of s 3 places forward in the alphabet, in place ('z' becomes 'c'), leaving other characters unchanged",
                          strings: strings, split: .heldOutAdded, model: { shiftLower($0, by: 3) }),
            stringInPlace("replace_digits", "replaces every decimal digit in s with '#', in place", strings: strings, split: .heldOutAdded,
                          model: { $0.map { isDigit($0) ? UInt8(ascii: "#") : $0 } }),
            stringInPlace("replace_vowels", "replaces every lowercase vowel (a, e, i, o or u) in s with '*', in place", strings: strings,
                          split: .heldOutAdded, model: { $0.map { Set("aeiou".utf8).contains($0) ? UInt8(ascii: "*") : $0 } }),
            stringInPlace("shift_letters_back_1", "moves every lowercase letter of s one place back in the alphabet, in place ('a' becomes 'z'), leaving other characters unchanged",
                          strings: strings, split: .heldOutAdded, model: { shiftLower($0, by: 25) }),
            stringInPlace("capitalize_words", "converts the first letter of every word of s to uppercase in place, where words are separated by spaces, leaving other characters unchanged",
                          strings: strings, split: .heldOutAdded, model: capitalizedWords),
        ])
    }
}
