// The reference solution of every built-in C task (BuiltinTasks.swift), one function each,
// in the tasks' order: `//@ task: FAMILY/NAME` and then the function. The prompts, harnesses
// and expected values stay in Swift, where a model of each function computes them;
// BuiltinTasksTests compiles and runs every reference against its harness.

//@ task: series/sum_to_n
int sum_to_n(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        s += i;
    return s;
}

//@ task: series/sum_squares
int sum_squares(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        s += i * i;
    return s;
}

//@ task: series/sum_odd_upto
int sum_odd_upto(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        if (i % 2 == 1) s += i;
    return s;
}

//@ task: series/sum_multiples_of_3
int sum_multiples_of_3(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        if (i % 3 == 0) s += i;
    return s;
}

//@ task: digits/digit_sum
int digit_sum(int n) {
    int s = 0;
    while (n > 0) {
        s += n % 10;
        n /= 10;
    }
    return s;
}

//@ task: digits/digit_count
int digit_count(int n) {
    int count = 1;
    while (n >= 10) {
        count++;
        n /= 10;
    }
    return count;
}

//@ task: digits/count_sevens
int count_sevens(int n) {
    int count = 0;
    while (n > 0) {
        if (n % 10 == 7) count++;
        n /= 10;
    }
    return count;
}

//@ task: digits/largest_digit
int largest_digit(int n) {
    int best = 0;
    do {
        if (n % 10 > best) best = n % 10;
        n /= 10;
    } while (n > 0);
    return best;
}

//@ task: numtheory/factorial
int factorial(int n) {
    int f = 1;
    for (int i = 2; i <= n; i++)
        f *= i;
    return f;
}

//@ task: numtheory/is_prime
int is_prime(int n) {
    if (n < 2) return 0;
    for (int d = 2; d * d <= n; d++)
        if (n % d == 0) return 0;
    return 1;
}

//@ task: numtheory/count_divisors
int count_divisors(int n) {
    int count = 0;
    for (int d = 1; d <= n; d++)
        if (n % d == 0) count++;
    return count;
}

//@ task: numtheory/fibonacci
int fibonacci(int n) {
    int a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        int t = a + b;
        a = b;
        b = t;
    }
    return a;
}

//@ task: numpair/gcd
int gcd(int a, int b) {
    while (b != 0) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

//@ task: numpair/power_mod_1000
int power_mod_1000(int base, int e) {
    long long result = 1 % 1000, b = base % 1000;
    while (e > 0) {
        if (e & 1) result = result * b % 1000;
        b = b * b % 1000;
        e >>= 1;
    }
    return (int)result;
}

//@ task: numpair/binomial
int binomial(int n, int k) {
    long long r = 1;
    for (int i = 0; i < k; i++)
        r = r * (n - i) / (i + 1);
    return (int)r;
}

//@ task: numpair/int_power
int int_power(int a, int b) {
    int r = 1;
    for (int i = 0; i < b; i++)
        r *= a;
    return r;
}

//@ task: bases/count_one_bits
int count_one_bits(int n) {
    int s = 0;
    while (n > 0) {
        s += n % 2;
        n /= 2;
    }
    return s;
}

//@ task: bases/binary_digit_count
int binary_digit_count(int n) {
    int count = 1;
    while (n >= 2) {
        count++;
        n /= 2;
    }
    return count;
}

//@ task: bases/octal_digit_sum
int octal_digit_sum(int n) {
    int s = 0;
    while (n > 0) {
        s += n % 8;
        n /= 8;
    }
    return s;
}

//@ task: bases/hex_digit_count
int hex_digit_count(int n) {
    int count = 1;
    while (n >= 16) {
        count++;
        n /= 16;
    }
    return count;
}

//@ task: array_stats/array_sum
int array_sum(const int *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}

//@ task: array_stats/array_max
int array_max(const int *a, int n) {
    int best = a[0];
    for (int i = 1; i < n; i++)
        if (a[i] > best) best = a[i];
    return best;
}

//@ task: array_stats/count_above_10
int count_above_10(const int *a, int n) {
    int count = 0;
    for (int i = 0; i < n; i++)
        if (a[i] > 10) count++;
    return count;
}

//@ task: array_stats/count_even
int count_even(const int *a, int n) {
    int count = 0;
    for (int i = 0; i < n; i++)
        if (a[i] % 2 == 0) count++;
    return count;
}

//@ task: array_search/index_of_max
int index_of_max(const int *a, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (a[i] > a[best]) best = i;
    return best;
}

//@ task: array_search/index_of_first_negative
int index_of_first_negative(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] < 0) return i;
    return -1;
}

//@ task: array_search/index_of_first_even
int index_of_first_even(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] % 2 == 0) return i;
    return -1;
}

//@ task: array_search/index_of_last_zero
int index_of_last_zero(const int *a, int n) {
    for (int i = n - 1; i >= 0; i--)
        if (a[i] == 0) return i;
    return -1;
}

//@ task: array_check/is_sorted
int is_sorted(const int *a, int n) {
    for (int i = 1; i < n; i++)
        if (a[i - 1] > a[i]) return 0;
    return 1;
}

//@ task: array_check/all_positive
int all_positive(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] <= 0) return 0;
    return 1;
}

//@ task: array_check/has_duplicate
int has_duplicate(const int *a, int n) {
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (a[i] == a[j]) return 1;
    return 0;
}

//@ task: array_check/is_strictly_increasing
int is_strictly_increasing(const int *a, int n) {
    for (int i = 1; i < n; i++)
        if (a[i - 1] >= a[i]) return 0;
    return 1;
}

//@ task: array_inplace/reverse_array
void reverse_array(int *a, int n) {
    for (int i = 0, j = n - 1; i < j; i++, j--) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

//@ task: array_inplace/rotate_left
void rotate_left(int *a, int n) {
    int first = a[0];
    for (int i = 0; i < n - 1; i++)
        a[i] = a[i + 1];
    a[n - 1] = first;
}

//@ task: array_inplace/zero_negatives
void zero_negatives(int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] < 0) a[i] = 0;
}

//@ task: array_inplace/square_each
void square_each(int *a, int n) {
    for (int i = 0; i < n; i++)
        a[i] = a[i] * a[i];
}

//@ task: string_count/string_length
int string_length(const char *s) {
    int n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

//@ task: string_count/count_vowels
int count_vowels(const char *s) {
    int count = 0;
    for (int i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') count++;
    }
    return count;
}

//@ task: string_count/count_digits
int count_digits(const char *s) {
    int count = 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= '0' && s[i] <= '9') count++;
    return count;
}

//@ task: string_count/count_words
int count_words(const char *s) {
    int count = 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] != ' ' && (i == 0 || s[i - 1] == ' ')) count++;
    return count;
}

//@ task: string_check/is_palindrome
int is_palindrome(const char *s) {
    int i = 0, j = 0;
    while (s[j] != '\0')
        j++;
    for (j--; i < j; i++, j--)
        if (s[i] != s[j]) return 0;
    return 1;
}

//@ task: string_check/all_digits
int all_digits(const char *s) {
    if (s[0] == '\0') return 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

//@ task: string_check/has_adjacent_repeat
int has_adjacent_repeat(const char *s) {
    for (int i = 0; s[i] != '\0' && s[i + 1] != '\0'; i++)
        if (s[i] == s[i + 1]) return 1;
    return 0;
}

//@ task: string_check/starts_with_upper
int starts_with_upper(const char *s) {
    return s[0] >= 'A' && s[0] <= 'Z';
}

//@ task: string_inplace/reverse_string
void reverse_string(char *s) {
    int j = 0;
    while (s[j] != '\0')
        j++;
    for (int i = 0, k = j - 1; i < k; i++, k--) {
        char t = s[i];
        s[i] = s[k];
        s[k] = t;
    }
}

//@ task: string_inplace/to_upper
void to_upper(char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= 'a' && s[i] <= 'z') s[i] = (char)(s[i] - 'a' + 'A');
}

//@ task: string_inplace/replace_spaces
void replace_spaces(char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] == ' ') s[i] = '_';
}

//@ task: string_inplace/shift_letters_1
void shift_letters_1(char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= 'a' && s[i] <= 'z') s[i] = (char)('a' + (s[i] - 'a' + 1) % 26);
}

//@ task: series/sum_cubes
int sum_cubes(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        s += i * i * i;
    return s;
}

//@ task: series/sum_multiples_of_7
int sum_multiples_of_7(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        if (i % 7 == 0) s += i;
    return s;
}

//@ task: digits/digit_product
int digit_product(int n) {
    int p = 1;
    do {
        p *= n % 10;
        n /= 10;
    } while (n > 0);
    return p;
}

//@ task: digits/reverse_digits
int reverse_digits(int n) {
    int r = 0;
    while (n > 0) {
        r = r * 10 + n % 10;
        n /= 10;
    }
    return r;
}

//@ task: numtheory/sum_divisors
int sum_divisors(int n) {
    int s = 0;
    for (int d = 1; d <= n; d++)
        if (n % d == 0) s += d;
    return s;
}

//@ task: numtheory/tribonacci
int tribonacci(int n) {
    int a = 0, b = 1, c = 1;
    for (int i = 0; i < n; i++) {
        int t = a + b + c;
        a = b;
        b = c;
        c = t;
    }
    return a;
}

//@ task: numpair/lcm
int lcm(int a, int b) {
    int x = a, y = b;
    while (y != 0) {
        int t = x % y;
        x = y;
        y = t;
    }
    return a / x * b;
}

//@ task: numpair/power_mod_97
int power_mod_97(int base, int e) {
    long long result = 1 % 97, b = base % 97;
    while (e > 0) {
        if (e & 1) result = result * b % 97;
        b = b * b % 97;
        e >>= 1;
    }
    return (int)result;
}

//@ task: bases/ternary_digit_sum
int ternary_digit_sum(int n) {
    int s = 0;
    while (n > 0) {
        s += n % 3;
        n /= 3;
    }
    return s;
}

//@ task: bases/base5_digit_count
int base5_digit_count(int n) {
    int count = 1;
    while (n >= 5) {
        count++;
        n /= 5;
    }
    return count;
}

//@ task: array_stats/array_min
int array_min(const int *a, int n) {
    int best = a[0];
    for (int i = 1; i < n; i++)
        if (a[i] < best) best = a[i];
    return best;
}

//@ task: array_stats/sum_of_negatives
int sum_of_negatives(const int *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        if (a[i] < 0) s += a[i];
    return s;
}

//@ task: array_search/index_of_min
int index_of_min(const int *a, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (a[i] < a[best]) best = i;
    return best;
}

//@ task: array_search/index_of_last_negative
int index_of_last_negative(const int *a, int n) {
    for (int i = n - 1; i >= 0; i--)
        if (a[i] < 0) return i;
    return -1;
}

//@ task: array_check/is_sorted_descending
int is_sorted_descending(const int *a, int n) {
    for (int i = 1; i < n; i++)
        if (a[i - 1] < a[i]) return 0;
    return 1;
}

//@ task: array_check/all_even
int all_even(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] % 2 != 0) return 0;
    return 1;
}

//@ task: array_inplace/rotate_right
void rotate_right(int *a, int n) {
    int last = a[n - 1];
    for (int i = n - 1; i > 0; i--)
        a[i] = a[i - 1];
    a[0] = last;
}

//@ task: array_inplace/cap_at_10
void cap_at_10(int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] > 10) a[i] = 10;
}

//@ task: string_count/count_uppercase
int count_uppercase(const char *s) {
    int count = 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= 'A' && s[i] <= 'Z') count++;
    return count;
}

//@ task: string_count/count_spaces
int count_spaces(const char *s) {
    int count = 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] == ' ') count++;
    return count;
}

//@ task: string_check/all_lowercase
int all_lowercase(const char *s) {
    if (s[0] == '\0') return 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] < 'a' || s[i] > 'z') return 0;
    return 1;
}

//@ task: string_check/ends_with_digit
int ends_with_digit(const char *s) {
    int n = 0;
    while (s[n] != '\0')
        n++;
    return n > 0 && s[n - 1] >= '0' && s[n - 1] <= '9';
}

//@ task: string_inplace/to_lower
void to_lower(char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] - 'A' + 'a');
}

//@ task: string_inplace/shift_letters_13
void shift_letters_13(char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= 'a' && s[i] <= 'z') s[i] = (char)('a' + (s[i] - 'a' + 13) % 26);
}

//@ task: series/sum_even_upto
int sum_even_upto(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        if (i % 2 == 0) s += i;
    return s;
}

//@ task: series/sum_multiples_of_5
int sum_multiples_of_5(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        if (i % 5 == 0) s += i;
    return s;
}

//@ task: series/sum_multiples_of_3_or_5
int sum_multiples_of_3_or_5(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        if (i % 3 == 0 || i % 5 == 0) s += i;
    return s;
}

//@ task: series/alternating_sum
int alternating_sum(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        s += i % 2 == 1 ? i : -i;
    return s;
}

//@ task: series/sum_odd_squares
int sum_odd_squares(int n) {
    int s = 0;
    for (int i = 1; i <= n; i += 2)
        s += i * i;
    return s;
}

//@ task: series/sum_consecutive_products
int sum_consecutive_products(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        s += i * (i + 1);
    return s;
}

//@ task: digits/smallest_digit
int smallest_digit(int n) {
    int best = 9;
    do {
        if (n % 10 < best) best = n % 10;
        n /= 10;
    } while (n > 0);
    return best;
}

//@ task: digits/count_even_digits
int count_even_digits(int n) {
    int count = 0;
    do {
        if (n % 10 % 2 == 0) count++;
        n /= 10;
    } while (n > 0);
    return count;
}

//@ task: digits/count_zero_digits
int count_zero_digits(int n) {
    int count = 0;
    do {
        if (n % 10 == 0) count++;
        n /= 10;
    } while (n > 0);
    return count;
}

//@ task: digits/sum_odd_digits
int sum_odd_digits(int n) {
    int s = 0;
    while (n > 0) {
        if (n % 10 % 2 == 1) s += n % 10;
        n /= 10;
    }
    return s;
}

//@ task: digits/first_digit
int first_digit(int n) {
    while (n >= 10)
        n /= 10;
    return n;
}

//@ task: digits/digit_square_sum
int digit_square_sum(int n) {
    int s = 0;
    while (n > 0) {
        int d = n % 10;
        s += d * d;
        n /= 10;
    }
    return s;
}

//@ task: numtheory/is_perfect
int is_perfect(int n) {
    int s = 0;
    for (int d = 1; d < n; d++)
        if (n % d == 0) s += d;
    return s == n;
}

//@ task: numtheory/smallest_prime_factor
int smallest_prime_factor(int n) {
    for (int d = 2; d * d <= n; d++)
        if (n % d == 0) return d;
    return n;
}

//@ task: numtheory/double_factorial
int double_factorial(int n) {
    int f = 1;
    for (int i = n; i > 1; i -= 2)
        f *= i;
    return f;
}

//@ task: numtheory/lucas
int lucas(int n) {
    int a = 2, b = 1;
    for (int i = 0; i < n; i++) {
        int t = a + b;
        a = b;
        b = t;
    }
    return a;
}

//@ task: numtheory/count_odd_divisors
int count_odd_divisors(int n) {
    int count = 0;
    for (int d = 1; d <= n; d += 2)
        if (n % d == 0) count++;
    return count;
}

//@ task: numtheory/is_square
int is_square(int n) {
    int r = 0;
    while (r * r < n)
        r++;
    return r * r == n;
}

//@ task: numpair/power_mod_13
int power_mod_13(int base, int e) {
    long long result = 1 % 13, b = base % 13;
    while (e > 0) {
        if (e & 1) result = result * b % 13;
        b = b * b % 13;
        e >>= 1;
    }
    return (int)result;
}

//@ task: numpair/are_coprime
int are_coprime(int a, int b) {
    while (b != 0) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a == 1;
}

//@ task: numpair/permutations
int permutations(int n, int k) {
    int r = 1;
    for (int i = 0; i < k; i++)
        r *= n - i;
    return r;
}

//@ task: numpair/sum_range
int sum_range(int a, int b) {
    int s = 0;
    for (int i = a; i <= b; i++)
        s += i;
    return s;
}

//@ task: numpair/int_log
int int_log(int a, int b) {
    int e = 0;
    while (a >= b) {
        a /= b;
        e++;
    }
    return e;
}

//@ task: numpair/count_common_divisors
int count_common_divisors(int a, int b) {
    int count = 0;
    for (int d = 1; d <= a && d <= b; d++)
        if (a % d == 0 && b % d == 0) count++;
    return count;
}

//@ task: bases/count_zero_bits
int count_zero_bits(int n) {
    int count = 0;
    do {
        if (n % 2 == 0) count++;
        n /= 2;
    } while (n > 0);
    return count;
}

//@ task: bases/octal_digit_count
int octal_digit_count(int n) {
    int count = 1;
    while (n >= 8) {
        count++;
        n /= 8;
    }
    return count;
}

//@ task: bases/hex_digit_sum
int hex_digit_sum(int n) {
    int s = 0;
    while (n > 0) {
        s += n % 16;
        n /= 16;
    }
    return s;
}

//@ task: bases/base7_digit_sum
int base7_digit_sum(int n) {
    int s = 0;
    while (n > 0) {
        s += n % 7;
        n /= 7;
    }
    return s;
}

//@ task: bases/binary_reverse
int binary_reverse(int n) {
    int r = 0;
    while (n > 0) {
        r = r * 2 + n % 2;
        n /= 2;
    }
    return r;
}

//@ task: bases/is_binary_palindrome
int is_binary_palindrome(int n) {
    int r = 0, m = n;
    while (m > 0) {
        r = r * 2 + m % 2;
        m /= 2;
    }
    return r == n;
}

//@ task: array_stats/count_odd
int count_odd(const int *a, int n) {
    int count = 0;
    for (int i = 0; i < n; i++)
        if (a[i] % 2 != 0) count++;
    return count;
}

//@ task: array_stats/count_negative
int count_negative(const int *a, int n) {
    int count = 0;
    for (int i = 0; i < n; i++)
        if (a[i] < 0) count++;
    return count;
}

//@ task: array_stats/sum_of_positives
int sum_of_positives(const int *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        if (a[i] > 0) s += a[i];
    return s;
}

//@ task: array_stats/array_range
int array_range(const int *a, int n) {
    int lo = a[0], hi = a[0];
    for (int i = 1; i < n; i++) {
        if (a[i] < lo) lo = a[i];
        if (a[i] > hi) hi = a[i];
    }
    return hi - lo;
}

//@ task: array_stats/array_square_sum
int array_square_sum(const int *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * a[i];
    return s;
}

//@ task: array_stats/sum_of_evens
int sum_of_evens(const int *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        if (a[i] % 2 == 0) s += a[i];
    return s;
}

//@ task: array_search/index_of_last_max
int index_of_last_max(const int *a, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (a[i] >= a[best]) best = i;
    return best;
}

//@ task: array_search/index_of_first_zero
int index_of_first_zero(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] == 0) return i;
    return -1;
}

//@ task: array_search/index_of_first_odd
int index_of_first_odd(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] % 2 != 0) return i;
    return -1;
}

//@ task: array_search/index_of_last_even
int index_of_last_even(const int *a, int n) {
    for (int i = n - 1; i >= 0; i--)
        if (a[i] % 2 == 0) return i;
    return -1;
}

//@ task: array_search/index_of_first_positive
int index_of_first_positive(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] > 0) return i;
    return -1;
}

//@ task: array_search/index_of_first_above_10
int index_of_first_above_10(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] > 10) return i;
    return -1;
}

//@ task: array_check/is_strictly_decreasing
int is_strictly_decreasing(const int *a, int n) {
    for (int i = 1; i < n; i++)
        if (a[i - 1] <= a[i]) return 0;
    return 1;
}

//@ task: array_check/all_odd
int all_odd(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] % 2 == 0) return 0;
    return 1;
}

//@ task: array_check/has_negative
int has_negative(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] < 0) return 1;
    return 0;
}

//@ task: array_check/has_even
int has_even(const int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] % 2 == 0) return 1;
    return 0;
}

//@ task: array_check/all_equal
int all_equal(const int *a, int n) {
    for (int i = 1; i < n; i++)
        if (a[i] != a[0]) return 0;
    return 1;
}

//@ task: array_check/sum_is_even
int sum_is_even(const int *a, int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s % 2 == 0;
}

//@ task: array_inplace/negate_each
void negate_each(int *a, int n) {
    for (int i = 0; i < n; i++)
        a[i] = -a[i];
}

//@ task: array_inplace/absolute_each
void absolute_each(int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] < 0) a[i] = -a[i];
}

//@ task: array_inplace/increment_each
void increment_each(int *a, int n) {
    for (int i = 0; i < n; i++)
        a[i]++;
}

//@ task: array_inplace/zero_odds
void zero_odds(int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] % 2 != 0) a[i] = 0;
}

//@ task: array_inplace/floor_at_5
void floor_at_5(int *a, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] < 5) a[i] = 5;
}

//@ task: array_inplace/swap_pairs
void swap_pairs(int *a, int n) {
    for (int i = 0; i + 1 < n; i += 2) {
        int t = a[i];
        a[i] = a[i + 1];
        a[i + 1] = t;
    }
}

//@ task: string_count/count_lowercase
int count_lowercase(const char *s) {
    int count = 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= 'a' && s[i] <= 'z') count++;
    return count;
}

//@ task: string_count/count_consonants
int count_consonants(const char *s) {
    int count = 0;
    for (int i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c >= 'a' && c <= 'z' && c != 'a' && c != 'e' && c != 'i' && c != 'o' && c != 'u') count++;
    }
    return count;
}

//@ task: string_count/count_letters
int count_letters(const char *s) {
    int count = 0;
    for (int i = 0; s[i] != '\0'; i++)
        if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')) count++;
    return count;
}

//@ task: string_count/count_letter_l
int count_letter_l(const char *s) {
    int count = 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] == 'l') count++;
    return count;
}

//@ task: string_count/longest_word_length
int longest_word_length(const char *s) {
    int best = 0, current = 0;
    for (int i = 0; s[i] != '\0'; i++) {
        current = s[i] == ' ' ? 0 : current + 1;
        if (current > best) best = current;
    }
    return best;
}

//@ task: string_count/sum_of_digit_chars
int sum_of_digit_chars(const char *s) {
    int sum = 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= '0' && s[i] <= '9') sum += s[i] - '0';
    return sum;
}

//@ task: string_check/has_space
int has_space(const char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] == ' ') return 1;
    return 0;
}

//@ task: string_check/has_vowel
int has_vowel(const char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] == 'a' || s[i] == 'e' || s[i] == 'i' || s[i] == 'o' || s[i] == 'u') return 1;
    return 0;
}

//@ task: string_check/has_even_length
int has_even_length(const char *s) {
    int n = 0;
    while (s[n] != '\0')
        n++;
    return n % 2 == 0;
}

//@ task: string_check/first_equals_last
int first_equals_last(const char *s) {
    int n = 0;
    while (s[n] != '\0')
        n++;
    return n > 0 && s[0] == s[n - 1];
}

//@ task: string_check/all_letters
int all_letters(const char *s) {
    if (s[0] == '\0') return 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) return 0;
    return 1;
}

//@ task: string_check/all_distinct_chars
int all_distinct_chars(const char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        for (int j = i + 1; s[j] != '\0'; j++)
            if (s[i] == s[j]) return 0;
    return 1;
}

//@ task: string_inplace/swap_case
void swap_case(char *s) {
    for (int i = 0; s[i] != '\0'; i++) {
        if (s[i] >= 'a' && s[i] <= 'z') s[i] = (char)(s[i] - 'a' + 'A');
        else if (s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] - 'A' + 'a');
    }
}

//@ task: string_inplace/shift_letters_3
void shift_letters_3(char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= 'a' && s[i] <= 'z') s[i] = (char)('a' + (s[i] - 'a' + 3) % 26);
}

//@ task: string_inplace/replace_digits
void replace_digits(char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= '0' && s[i] <= '9') s[i] = '#';
}

//@ task: string_inplace/replace_vowels
void replace_vowels(char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] == 'a' || s[i] == 'e' || s[i] == 'i' || s[i] == 'o' || s[i] == 'u') s[i] = '*';
}

//@ task: string_inplace/shift_letters_back_1
void shift_letters_back_1(char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= 'a' && s[i] <= 'z') s[i] = (char)('a' + (s[i] - 'a' + 25) % 26);
}

//@ task: string_inplace/capitalize_words
void capitalize_words(char *s) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] >= 'a' && s[i] <= 'z' && (i == 0 || s[i - 1] == ' ')) s[i] = (char)(s[i] - 'a' + 'A');
}
