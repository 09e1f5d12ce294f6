internal import Foundation

/// C++ tests compare through plain data, not through the candidate's operators: `assert(L == R)`
/// and `assert(L != R)` become a structural comparison that knows arithmetic values, strings,
/// ranges (vector, deque, list, array, set, map and their unordered kin), pairs, tuples and
/// optionals, and calls no `operator==` a candidate could have overloaded. Any other type
/// (an object that claims to equal everything) compares unequal.
enum CPlainCompare {
    /// The comparison functions, in a namespace named per run.
    static func functions(_ n: String) -> String {
        """
        #if defined(__cplusplus) && __cplusplus >= 201703L
        #include <type_traits>
        #include <utility>
        namespace hf_\(n) {
        template <class T> using bare = std::remove_cv_t<std::remove_reference_t<T>>;
        /* hides any operator a candidate declared at global scope from the lookups below */
        struct hidden {};
        void operator==(hidden, hidden);
        void operator!=(hidden, hidden);
        template <class T, class = void> struct is_range : std::false_type {};
        template <class T> struct is_range<T, std::void_t<decltype(std::declval<const T&>().begin()), decltype(std::declval<const T&>().size()), typename T::value_type>> : std::true_type {};
        template <class T, class = void> struct is_hashed : std::false_type {};
        template <class T> struct is_hashed<T, std::void_t<typename T::hasher, typename T::key_type>> : std::true_type {};
        template <class T, class = void> struct is_mapping : std::false_type {};
        template <class T> struct is_mapping<T, std::void_t<typename T::mapped_type>> : std::true_type {};
        template <class T, class = void> struct is_tuple : std::false_type {};
        template <class T> struct is_tuple<T, std::void_t<decltype(std::tuple_size<T>::value)>> : std::bool_constant<!is_range<T>::value> {};
        template <class T, class = void> struct is_optional : std::false_type {};
        template <class T> struct is_optional<T, std::void_t<decltype(std::declval<const T&>().has_value()), decltype(*std::declval<const T&>()), typename T::value_type>> : std::bool_constant<!is_range<T>::value> {};
        template <class T> constexpr bool is_text = std::is_same_v<bare<std::decay_t<T>>, const char *> || std::is_same_v<bare<std::decay_t<T>>, char *>;
        inline bool plain_failed = false;
        template <class A, class B> bool same(const A &a, const B &b);
        template <class A, class B, std::size_t... I> bool same_tuple(const A &a, const B &b, std::index_sequence<I...>) {
            using std::get;
            return (same(get<I>(a), get<I>(b)) && ...);
        }
        template <class A, class B> bool same(const A &a, const B &b) {
            using TA = bare<A>;
            using TB = bare<B>;
            constexpr bool numA = std::is_arithmetic_v<TA> || std::is_enum_v<TA> || std::is_null_pointer_v<TA>;
            constexpr bool numB = std::is_arithmetic_v<TB> || std::is_enum_v<TB> || std::is_null_pointer_v<TB>;
            if constexpr (std::is_enum_v<TA>) {
                return same(static_cast<std::underlying_type_t<TA>>(a), b);  /* a candidate may overload == on its enums */
            } else if constexpr (std::is_enum_v<TB>) {
                return same(a, static_cast<std::underlying_type_t<TB>>(b));
            } else if constexpr (numA && numB) {
                return a == b;  /* built-in: no overload of a candidate's applies */
            } else if constexpr (is_text<TA> || is_text<TB>) {
                if constexpr (is_text<TA> && is_text<TB>) {
                    const char *p = a, *q = b;
                    if (!p || !q) return p == q;
                    while (*p && *p == *q) { p++; q++; }
                    return *p == *q;
                } else if constexpr (is_text<TA>) {
                    return same(b, a);
                } else if constexpr (is_range<TA>::value && std::is_same_v<bare<typename TA::value_type>, char>) {
                    const char *q = b;
                    if (!q) return false;
                    std::size_t n = a.size(), k = 0;
                    auto it = a.begin();
                    for (; k < n; ++k, ++it, ++q) {
                        if (!*q || (char)*it != *q) return false;
                    }
                    return !*q;
                } else {
                    plain_failed = true;
                    return false;
                }
            } else if constexpr (is_hashed<TA>::value && is_hashed<TB>::value) {
                /* sizes and lookups only: no iterator comparison a candidate could overload */
                std::size_t n = a.size(), k = 0;
                if (n != b.size()) return false;
                auto it = a.begin();
                for (; k < n; ++k, ++it) {
                    if constexpr (is_mapping<TA>::value) {
                        if (b.count(it->first) == 0 || !same(it->second, b.at(it->first))) return false;
                    } else {
                        if (b.count(*it) == 0) return false;
                    }
                }
                return true;
            } else if constexpr (is_range<TA>::value && is_range<TB>::value) {
                std::size_t n = a.size(), k = 0;
                if (n != b.size()) return false;
                auto ia = a.begin();
                auto ib = b.begin();
                for (; k < n; ++k, ++ia, ++ib) {
                    if (!same(*ia, *ib)) return false;
                }
                return true;
            } else if constexpr (is_tuple<TA>::value && is_tuple<TB>::value) {
                if constexpr (std::tuple_size<TA>::value != std::tuple_size<TB>::value) {
                    return false;
                } else {
                    return same_tuple(a, b, std::make_index_sequence<std::tuple_size<TA>::value>{});
                }
            } else if constexpr (is_optional<TA>::value && is_optional<TB>::value) {
                if (a.has_value() != b.has_value()) return false;
                return !a.has_value() || same(*a, *b);
            } else if constexpr (is_optional<TA>::value && !is_optional<TB>::value) {
                return a.has_value() && same(*a, b);
            } else if constexpr (!is_optional<TA>::value && is_optional<TB>::value) {
                return b.has_value() && same(a, *b);
            } else {
                plain_failed = true;  /* not plain data: it can never equal anything */
                return false;
            }
        }
        template <class A, class B> int compare(const A &a, const B &b, bool equal) {
            plain_failed = false;
            bool r = same(a, b);
            if (plain_failed) return 0;
            return r == equal;
        }
        }
        #define HF_COMPARE_\(n)(a, b, equal) hf_\(n)::compare((a), (b), equal)
        #else
        #define HF_COMPARE_\(n)(a, b, equal) (((a) == (b)) == (equal))
        #endif

        """
    }

    /// The test with every `assert(L == R)` / `assert(L != R)` whose comparison is the whole
    /// condition rewritten to compare plain data; other asserts stay as they are.
    static func rewrite(_ test: String, names n: String) -> String {
        let s = Array(test.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func isWord(_ c: Unicode.Scalar) -> Bool { c == "_" || CharacterSet.alphanumerics.contains(c) }
        while i < s.count {
            let c = s[i]
            if c == "/", i + 1 < s.count, s[i + 1] == "/" || s[i + 1] == "*" {
                let end = s[i + 1] == "/" ? (s[i...].firstIndex(of: "\n") ?? s.count) : (findSequence(s, from: i + 2, "*/") ?? s.count - 2) + 2
                out.append(contentsOf: s[i..<min(end, s.count)])
                i = min(end, s.count)
                continue
            }
            if c == "\"" || c == "'" {
                let end = skipQuoted(s, i)
                out.append(contentsOf: s[i..<end])
                i = end
                continue
            }
            if c == "a", i + 6 <= s.count, String(String.UnicodeScalarView(s[i..<(i + 6)])) == "assert",
                i == 0 || !isWord(s[i - 1]), i + 6 == s.count || !isWord(s[i + 6])
            {
                var j = i + 6
                while j < s.count, s[j] == " " || s[j] == "\t" { j += 1 }
                if j < s.count, s[j] == "(", let close = matching(s, j), let (lhs, op, rhs) = split(Array(s[(j + 1)..<close])) {
                    let l = String(String.UnicodeScalarView(lhs)), r = String(String.UnicodeScalarView(rhs))
                    let equal = op == "==" ? "true" : "false"
                    // counted and reported as the assert would, under the test's own text
                    let original = String(String.UnicodeScalarView(s[(j + 1)..<close])).trimmingCharacters(in: .whitespaces)
                    let quoted = original.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                        .replacingOccurrences(of: "\n", with: " ")
                    let text = "hf_\(n)_check(HF_COMPARE_\(n)(\(l), \(r), \(equal)) ? 1 : 0, \"\(quoted)\", __LINE__)"
                    out.append(contentsOf: text.unicodeScalars)
                    i = close + 1
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return String(out)
    }

    private static func findSequence(_ s: [Unicode.Scalar], from: Int, _ seq: String) -> Int? {
        let t = Array(seq.unicodeScalars)
        var i = from
        while i + t.count <= s.count {
            if Array(s[i..<(i + t.count)]) == t { return i }
            i += 1
        }
        return nil
    }

    private static func skipQuoted(_ s: [Unicode.Scalar], _ start: Int) -> Int {
        let q = s[start]
        var i = start + 1
        while i < s.count, s[i] != q, s[i] != "\n" { i += s[i] == "\\" ? 2 : 1 }
        return min(i + 1, s.count)
    }

    /// The index of the `)` that closes the `(` at `open`.
    private static func matching(_ s: [Unicode.Scalar], _ open: Int) -> Int? {
        var depth = 0
        var i = open
        while i < s.count {
            let c = s[i]
            if c == "\"" || c == "'" {
                i = skipQuoted(s, i)
                continue
            }
            if c == "(" || c == "[" || c == "{" { depth += 1 }
            if c == ")" || c == "]" || c == "}" {
                depth -= 1
                if depth == 0 { return c == ")" ? i : nil }
            }
            i += 1
        }
        return nil
    }

    /// `L == R` or `L != R` when that comparison is the whole expression: exactly one at depth 0,
    /// no `&&`, `||`, `?`, `,`, `<`, `>` or assignment beside it, and no braced list on either side.
    private static func split(_ e: [Unicode.Scalar]) -> ([Unicode.Scalar], String, [Unicode.Scalar])? {
        var depth = 0
        var at: Int?
        var i = 0
        while i < e.count {
            let c = e[i]
            if c == "\"" || c == "'" {
                i = skipQuoted(e, i)
                continue
            }
            if c == "(" || c == "[" || c == "{" { depth += 1 } else if c == ")" || c == "]" || c == "}" { depth -= 1 }
            if depth == 0 {
                let next = i + 1 < e.count ? e[i + 1] : " "
                if (c == "=" || c == "!"), next == "=" {
                    if at != nil { return nil }
                    at = i
                    i += 2
                    continue
                }
                if "&|?,<>=".unicodeScalars.contains(c) { return nil }
            }
            i += 1
        }
        guard let k = at else { return nil }
        let lhs = Array(e[..<k]), rhs = Array(e[(k + 2)...])
        let trimmed = { (x: [Unicode.Scalar]) in x.drop { $0 == " " || $0 == "\t" || $0 == "\n" } }
        guard let l0 = trimmed(lhs).first, let r0 = trimmed(rhs).first, l0 != "{", r0 != "{" else { return nil }
        return (lhs, e[k] == "=" ? "==" : "!=", rhs)
    }
}
