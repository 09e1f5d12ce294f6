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


def is_prime(n):
    """True when n is a prime number."""
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1
    return True


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


def gcd(a, b):
    """Greatest common divisor."""
    while b:
        a, b = b, a % b
    return a


def lcm(a, b):
    """Least common multiple."""
    return a * b // gcd(a, b)


def fibonacci(n):
    """The n-th Fibonacci number."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def is_palindrome(s):
    """True when s reads the same both ways, ignoring case."""
    s = s.lower()
    return s == s[::-1]


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


def digits_sum(n):
    """Sum of the decimal digits of n."""
    return sum(int(d) for d in str(abs(n)))


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
