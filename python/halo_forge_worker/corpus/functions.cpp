#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

// Remove the spaces and tabs at both ends of a string.
std::string trim(const std::string& s) {
    size_t start = s.find_first_not_of(" \t");
    if (start == std::string::npos) {
        return "";
    }
    size_t end = s.find_last_not_of(" \t");
    return s.substr(start, end - start + 1);
}

// Count how often each word occurs.
std::map<std::string, int> word_counts(const std::vector<std::string>& words) {
    std::map<std::string, int> counts;
    for (const auto& w : words) {
        counts[w]++;
    }
    return counts;
}

// Split a string on a delimiter character.
std::vector<std::string> split(const std::string& s, char delim) {
    std::vector<std::string> parts;
    std::string current;
    for (char c : s) {
        if (c == delim) {
            parts.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    parts.push_back(current);
    return parts;
}

// Join strings with a separator.
std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); i++) {
        if (i > 0) {
            out += sep;
        }
        out += parts[i];
    }
    return out;
}

// Return the vector sorted in ascending order.
std::vector<int> sorted_copy(std::vector<int> xs) {
    std::sort(xs.begin(), xs.end());
    return xs;
}

// Remove duplicates while keeping the first occurrence.
std::vector<int> unique_in_order(const std::vector<int>& xs) {
    std::vector<int> out;
    for (int x : xs) {
        if (std::find(out.begin(), out.end(), x) == out.end()) {
            out.push_back(x);
        }
    }
    return out;
}

// A small stack of integers.
class IntStack {
public:
    void push(int x) { items_.push_back(x); }
    int pop() {
        int top = items_.back();
        items_.pop_back();
        return top;
    }
    bool empty() const { return items_.empty(); }
    size_t size() const { return items_.size(); }

private:
    std::vector<int> items_;
};

// True when brackets in the string are balanced.
bool balanced(const std::string& s) {
    std::vector<char> stack;
    for (char c : s) {
        if (c == '(' || c == '[' || c == '{') {
            stack.push_back(c);
        } else if (c == ')' || c == ']' || c == '}') {
            if (stack.empty()) {
                return false;
            }
            char open = stack.back();
            stack.pop_back();
            if ((c == ')' && open != '(') || (c == ']' && open != '[') || (c == '}' && open != '{')) {
                return false;
            }
        }
    }
    return stack.empty();
}

// Running prefix sums of a vector.
std::vector<long> prefix_sums(const std::vector<int>& xs) {
    std::vector<long> out;
    long total = 0;
    for (int x : xs) {
        total += x;
        out.push_back(total);
    }
    return out;
}

// A string repeated a number of times.
std::string repeat(const std::string& s, int times) {
    std::string out;
    for (int i = 0; i < times; i++) {
        out += s;
    }
    return out;
}

// Dot product of two vectors of equal length.
double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double total = 0.0;
    for (size_t i = 0; i < a.size(); i++) {
        total += a[i] * b[i];
    }
    return total;
}

// Transpose a matrix stored as rows.
std::vector<std::vector<int>> transpose(const std::vector<std::vector<int>>& m) {
    if (m.empty()) {
        return {};
    }
    std::vector<std::vector<int>> out(m[0].size(), std::vector<int>(m.size()));
    for (size_t i = 0; i < m.size(); i++) {
        for (size_t j = 0; j < m[i].size(); j++) {
            out[j][i] = m[i][j];
        }
    }
    return out;
}

int main() {
    std::vector<int> xs = {4, 1, 4, 2, 3, 1};
    auto u = unique_in_order(xs);
    std::cout << trim("  x ") << " " << u.size() << std::endl;
    std::cout << join(split("a,b,c", ','), "-") << std::endl;
    return 0;
}
