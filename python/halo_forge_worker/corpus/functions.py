from collections import Counter, defaultdict


def add(a, b):
    """Return the sum of a and b."""
    return a + b


def is_even(n):
    """True when n is even."""
    return n % 2 == 0


def fizzbuzz(n):
    """Return the FizzBuzz word for n."""
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)


def reverse_words(sentence):
    """Reverse the order of words in a sentence."""
    return " ".join(reversed(sentence.split()))


def count_chars(text):
    """Map each character to how often it occurs."""
    return dict(Counter(text))


def flatten(nested):
    """Flatten a list of lists by one level."""
    out = []
    for items in nested:
        out.extend(items)
    return out


def clamp(x, lo, hi):
    """x limited to the range lo..hi."""
    return max(lo, min(x, hi))


def primes_below(limit):
    """All primes smaller than limit, by a sieve."""
    sieve = [True] * limit
    primes = []
    for n in range(2, limit):
        if sieve[n]:
            primes.append(n)
            for m in range(n * n, limit, n):
                sieve[m] = False
    return primes


def mean(xs):
    """The arithmetic mean of a non-empty list."""
    return sum(xs) / len(xs)


def median(xs):
    """The middle value of a non-empty list, or the mean of the two middle ones."""
    ys = sorted(xs)
    mid = len(ys) // 2
    return ys[mid] if len(ys) % 2 else (ys[mid - 1] + ys[mid]) / 2


def dedupe(xs):
    """The items of xs without repeats, in their first order."""
    seen = set()
    out = []
    for x in xs:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def is_anagram(a, b):
    """True when a and b have the same letters, ignoring case and spaces."""
    def letters(s):
        return sorted(s.lower().replace(" ", ""))
    return letters(a) == letters(b)


def group_by_length(words):
    """Group words by their length."""
    groups = defaultdict(list)
    for w in words:
        groups[len(w)].append(w)
    return dict(groups)


def running_max(xs):
    """The maximum seen so far at each position."""
    out = []
    best = None
    for x in xs:
        best = x if best is None else max(best, x)
        out.append(best)
    return out


def merge_sorted(a, b):
    """Merge two sorted lists into one sorted list."""
    i = j = 0
    out = []
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    out.extend(a[i:])
    out.extend(b[j:])
    return out


def binary_search(xs, x):
    """Index of x in sorted xs, or -1."""
    lo, hi = 0, len(xs) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if xs[mid] == x:
            return mid
        if xs[mid] < x:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


def chunks(xs, size):
    """Split xs into lists of at most size items."""
    return [xs[i:i + size] for i in range(0, len(xs), size)]


def word_frequencies(text):
    """The most common words first."""
    words = text.lower().split()
    return Counter(words).most_common()


def transpose(matrix):
    """Swap rows and columns."""
    return [list(row) for row in zip(*matrix)]


def second_largest(xs):
    """The second largest distinct value, or None."""
    values = sorted(set(xs))
    if len(values) < 2:
        return None
    return values[-2]


def snake_case(name):
    """camelCase or PascalCase to snake_case."""
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i > 0:
            out.append("_")
        out.append(c.lower())
    return "".join(out)


class Stack:
    """A last-in first-out stack."""

    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)

    def pop(self):
        return self.items.pop()

    def is_empty(self):
        return not self.items


if __name__ == "__main__":
    print(fizzbuzz(15), primes_below(20), merge_sorted([1, 4], [2, 3]))
