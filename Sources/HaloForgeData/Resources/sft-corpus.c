// The SFT format corpus (SFTCorpus.swift reads it): each entry is a `//@ signature:` line, a
// `//@ summary:` line and the complete C source of the function, which must compile clean
// under gcc -std=gnu17 -Wall -Wextra -c (BuiltinTasksTests checks every entry).

//@ signature: int clamp(int x, int lo, int hi)
//@ summary: returns x limited to the range lo..hi (lo <= hi)
int clamp(int x, int lo, int hi) {
    if (x < lo) return lo;
    if (x > hi) return hi;
    return x;
}

//@ signature: int abs_diff(int a, int b)
//@ summary: returns the absolute value of a - b
int abs_diff(int a, int b) {
    return a > b ? a - b : b - a;
}

//@ signature: int min3(int a, int b, int c)
//@ summary: returns the smallest of a, b and c
int min3(int a, int b, int c) {
    int m = a;
    if (b < m) m = b;
    if (c < m) m = c;
    return m;
}

//@ signature: int max3(int a, int b, int c)
//@ summary: returns the largest of a, b and c
int max3(int a, int b, int c) {
    int m = a;
    if (b > m) m = b;
    if (c > m) m = c;
    return m;
}

//@ signature: int median3(int a, int b, int c)
//@ summary: returns the middle value of a, b and c
int median3(int a, int b, int c) {
    if ((a <= b && b <= c) || (c <= b && b <= a)) return b;
    if ((b <= a && a <= c) || (c <= a && a <= b)) return a;
    return c;
}

//@ signature: int sign_of(int x)
//@ summary: returns -1 if x is negative, 1 if x is positive and 0 if x is 0
int sign_of(int x) {
    return (x > 0) - (x < 0);
}

//@ signature: int absolute_value(int x)
//@ summary: returns the absolute value of x (x > INT_MIN)
int absolute_value(int x) {
    return x < 0 ? -x : x;
}

//@ signature: int is_even(int n)
//@ summary: returns 1 if n is even and 0 otherwise
int is_even(int n) {
    return n % 2 == 0;
}

//@ signature: int is_leap_year(int year)
//@ summary: returns 1 if year is a leap year of the Gregorian calendar and 0 otherwise
int is_leap_year(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

//@ signature: int days_in_month(int month, int year)
//@ summary: returns the number of days of month (1 to 12) in year, in the Gregorian calendar
int days_in_month(int month, int year) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
    return days[month - 1];
}

//@ signature: int square(int x)
//@ summary: returns x times x
int square(int x) {
    return x * x;
}

//@ signature: int is_multiple(int a, int b)
//@ summary: returns 1 if a is a multiple of b and 0 otherwise (b != 0)
int is_multiple(int a, int b) {
    return a % b == 0;
}

//@ signature: int last_digit(int n)
//@ summary: returns the last decimal digit of n (n >= 0)
int last_digit(int n) {
    return n % 10;
}

//@ signature: int round_up_to_multiple(int n, int k)
//@ summary: returns the smallest multiple of k that is at least n (n >= 0, k >= 1)
int round_up_to_multiple(int n, int k) {
    return (n + k - 1) / k * k;
}

//@ signature: int to_seconds(int hours, int minutes, int seconds)
//@ summary: returns the total number of seconds in the given hours, minutes and seconds
int to_seconds(int hours, int minutes, int seconds) {
    return hours * 3600 + minutes * 60 + seconds;
}

//@ signature: double celsius_to_fahrenheit(double c)
//@ summary: converts a temperature from degrees Celsius to degrees Fahrenheit
double celsius_to_fahrenheit(double c) {
    return c * 9.0 / 5.0 + 32.0;
}

//@ signature: double fahrenheit_to_celsius(double f)
//@ summary: converts a temperature from degrees Fahrenheit to degrees Celsius
double fahrenheit_to_celsius(double f) {
    return (f - 32.0) * 5.0 / 9.0;
}

//@ signature: double circle_area(double r)
//@ summary: returns the area of a circle of radius r
double circle_area(double r) {
    const double pi = 3.14159265358979323846;
    return pi * r * r;
}

//@ signature: double hypotenuse(double a, double b)
//@ summary: returns the length of the hypotenuse of a right triangle with legs a and b
#include <math.h>

double hypotenuse(double a, double b) {
    return sqrt(a * a + b * b);
}

//@ signature: double triangle_area(double base, double height)
//@ summary: returns the area of a triangle with the given base and height
double triangle_area(double base, double height) {
    return base * height / 2.0;
}

//@ signature: int is_vowel(char c)
//@ summary: returns 1 if c is a vowel (a, e, i, o or u, in either case) and 0 otherwise
int is_vowel(char c) {
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

//@ signature: int char_to_digit(char c)
//@ summary: returns the value of the decimal digit c, or -1 if c is not a digit
int char_to_digit(char c) {
    if (c < '0' || c > '9') return -1;
    return c - '0';
}

//@ signature: char digit_to_char(int d)
//@ summary: returns the character of the decimal digit d (0 <= d <= 9)
char digit_to_char(int d) {
    return (char)('0' + d);
}

//@ signature: void swap(int *a, int *b)
//@ summary: exchanges the values that a and b point to
void swap(int *a, int *b) {
    int t = *a;
    *a = *b;
    *b = t;
}

//@ signature: void sort2(int *a, int *b)
//@ summary: orders the values that a and b point to so that *a <= *b
void sort2(int *a, int *b) {
    if (*a > *b) {
        int t = *a;
        *a = *b;
        *b = t;
    }
}

//@ signature: void divide(int a, int b, int *quotient, int *remainder)
//@ summary: stores the quotient and the remainder of a divided by b (b != 0)
void divide(int a, int b, int *quotient, int *remainder) {
    *quotient = a / b;
    *remainder = a % b;
}

//@ signature: int count_zeros(const int *a, int n)
//@ summary: returns how many of the n elements of a are 0
int count_zeros(const int *a, int n) {
    int count = 0;
    for (int i = 0; i < n; i++)
        if (a[i] == 0) count++;
    return count;
}

//@ signature: void array_fill(int *a, int n, int value)
//@ summary: sets each of the n elements of a to value
void array_fill(int *a, int n, int value) {
    for (int i = 0; i < n; i++)
        a[i] = value;
}

//@ signature: void array_copy(int *dst, const int *src, int n)
//@ summary: copies the n elements of src into dst
void array_copy(int *dst, const int *src, int n) {
    for (int i = 0; i < n; i++)
        dst[i] = src[i];
}

//@ signature: int count_value(const int *a, int n, int x)
//@ summary: returns how many of the n elements of a are equal to x
int count_value(const int *a, int n, int x) {
    int count = 0;
    for (int i = 0; i < n; i++)
        if (a[i] == x) count++;
    return count;
}

//@ signature: int contains(const int *a, int n, int x)
//@ summary: returns 1 if x is one of the n elements of a and 0 otherwise
int contains(const int *a, int n, int x) {
    for (int i = 0; i < n; i++)
        if (a[i] == x) return 1;
    return 0;
}

//@ signature: double array_average(const int *a, int n)
//@ summary: returns the average of the n elements of a (n >= 1)
double array_average(const int *a, int n) {
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += a[i];
    return sum / n;
}

//@ signature: int arrays_equal(const int *a, const int *b, int n)
//@ summary: returns 1 if the first n elements of a and b are equal and 0 otherwise
int arrays_equal(const int *a, const int *b, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

//@ signature: void add_arrays(int *dst, const int *a, const int *b, int n)
//@ summary: stores a[i] + b[i] in dst[i] for each of the n positions
void add_arrays(int *dst, const int *a, const int *b, int n) {
    for (int i = 0; i < n; i++)
        dst[i] = a[i] + b[i];
}

//@ signature: int count_in_range(const int *a, int n, int lo, int hi)
//@ summary: returns how many of the n elements of a lie between lo and hi, both included
int count_in_range(const int *a, int n, int lo, int hi) {
    int count = 0;
    for (int i = 0; i < n; i++)
        if (a[i] >= lo && a[i] <= hi) count++;
    return count;
}

//@ signature: int sum_even_indices(const int *a, int n)
//@ summary: returns a[0] + a[2] + a[4] + ..., the sum of the elements at even indices
int sum_even_indices(const int *a, int n) {
    int sum = 0;
    for (int i = 0; i < n; i += 2)
        sum += a[i];
    return sum;
}

//@ signature: void fill_sequence(int *a, int n)
//@ summary: sets a[i] to i for each of the n positions
void fill_sequence(int *a, int n) {
    for (int i = 0; i < n; i++)
        a[i] = i;
}

//@ signature: int last_index_of(const int *a, int n, int x)
//@ summary: returns the index of the last element of a equal to x, or -1 if there is none
int last_index_of(const int *a, int n, int x) {
    for (int i = n - 1; i >= 0; i--)
        if (a[i] == x) return i;
    return -1;
}

//@ signature: void scale_array(int *a, int n, int k)
//@ summary: multiplies each of the n elements of a by k, in place
void scale_array(int *a, int n, int k) {
    for (int i = 0; i < n; i++)
        a[i] *= k;
}

//@ signature: long long array_product(const int *a, int n)
//@ summary: returns the product of the n elements of a (1 when n is 0)
long long array_product(const int *a, int n) {
    long long product = 1;
    for (int i = 0; i < n; i++)
        product *= a[i];
    return product;
}

//@ signature: int count_changes(const int *a, int n)
//@ summary: returns how many elements of a differ from the element just before them
int count_changes(const int *a, int n) {
    int count = 0;
    for (int i = 1; i < n; i++)
        if (a[i] != a[i - 1]) count++;
    return count;
}

//@ signature: void swap_ends(int *a, int n)
//@ summary: exchanges the first and the last of the n elements of a (n >= 1)
void swap_ends(int *a, int n) {
    int t = a[0];
    a[0] = a[n - 1];
    a[n - 1] = t;
}

//@ signature: int max_run_length(const int *a, int n)
//@ summary: returns the length of the longest run of equal adjacent elements among the n elements of a (0 when n is 0)
int max_run_length(const int *a, int n) {
    int best = 0, run = 0;
    for (int i = 0; i < n; i++) {
        run = (i > 0 && a[i] == a[i - 1]) ? run + 1 : 1;
        if (run > best) best = run;
    }
    return best;
}

//@ signature: int *make_range(int n)
//@ summary: returns a newly allocated array holding 0, 1, ..., n-1, or NULL if allocation fails (n >= 1)
#include <stdlib.h>

int *make_range(int n) {
    int *a = malloc((size_t)n * sizeof *a);
    if (a == NULL) return NULL;
    for (int i = 0; i < n; i++)
        a[i] = i;
    return a;
}

//@ signature: void string_copy(char *dst, const char *src)
//@ summary: copies the string src, with its terminating '\0', into dst
void string_copy(char *dst, const char *src) {
    int i = 0;
    while (src[i] != '\0') {
        dst[i] = src[i];
        i++;
    }
    dst[i] = '\0';
}

//@ signature: int strings_equal(const char *a, const char *b)
//@ summary: returns 1 if the strings a and b are equal and 0 otherwise
int strings_equal(const char *a, const char *b) {
    int i = 0;
    while (a[i] != '\0' && a[i] == b[i])
        i++;
    return a[i] == b[i];
}

//@ signature: void append_string(char *dst, const char *src)
//@ summary: appends the string src to the end of the string dst (dst has room)
void append_string(char *dst, const char *src) {
    int n = 0;
    while (dst[n] != '\0')
        n++;
    int i = 0;
    while (src[i] != '\0') {
        dst[n + i] = src[i];
        i++;
    }
    dst[n + i] = '\0';
}

//@ signature: int find_char(const char *s, char c)
//@ summary: returns the index of the first occurrence of c in s, or -1 if c does not occur
int find_char(const char *s, char c) {
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] == c) return i;
    return -1;
}

//@ signature: int starts_with(const char *s, const char *prefix)
//@ summary: returns 1 if the string s begins with the string prefix and 0 otherwise
int starts_with(const char *s, const char *prefix) {
    for (int i = 0; prefix[i] != '\0'; i++)
        if (s[i] != prefix[i]) return 0;
    return 1;
}

//@ signature: int ends_with(const char *s, const char *suffix)
//@ summary: returns 1 if the string s ends with the string suffix and 0 otherwise
#include <string.h>

int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return m <= n && strcmp(s + n - m, suffix) == 0;
}

//@ signature: void truncate_string(char *s, int n)
//@ summary: shortens the string s to at most n characters, in place (n >= 0)
void truncate_string(char *s, int n) {
    for (int i = 0; i < n; i++)
        if (s[i] == '\0') return;
    s[n] = '\0';
}

//@ signature: void repeat_char(char *out, char c, int n)
//@ summary: writes n copies of c followed by '\0' into out (n >= 0)
void repeat_char(char *out, char c, int n) {
    for (int i = 0; i < n; i++)
        out[i] = c;
    out[n] = '\0';
}

//@ signature: int count_lines(const char *s)
//@ summary: returns how many newline characters '\n' the string s contains
int count_lines(const char *s) {
    int count = 0;
    for (int i = 0; s[i] != '\0'; i++)
        if (s[i] == '\n') count++;
    return count;
}

//@ signature: char *duplicate_string(const char *s)
//@ summary: returns a newly allocated copy of the string s, or NULL if allocation fails
#include <stdlib.h>
#include <string.h>

char *duplicate_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy != NULL) memcpy(copy, s, n);
    return copy;
}

//@ signature: void strip_newline(char *s)
//@ summary: removes one newline character at the end of the string s, if there is one
#include <string.h>

void strip_newline(char *s) {
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] == '\n') s[n - 1] = '\0';
}

//@ signature: int parse_int(const char *s)
//@ summary: returns the value of the decimal integer in s, which is an optional '-' followed by digits
int parse_int(const char *s) {
    int sign = 1, value = 0, i = 0;
    if (s[0] == '-') {
        sign = -1;
        i = 1;
    }
    for (; s[i] >= '0' && s[i] <= '9'; i++)
        value = value * 10 + (s[i] - '0');
    return sign * value;
}

//@ signature: void int_to_string(int n, char *out)
//@ summary: writes the decimal digits of n followed by '\0' into out (n >= 0)
void int_to_string(int n, char *out) {
    char digits[12];
    int len = 0;
    do {
        digits[len++] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    for (int i = 0; i < len; i++)
        out[i] = digits[len - 1 - i];
    out[len] = '\0';
}

//@ signature: int hamming_distance(const char *a, const char *b)
//@ summary: returns at how many positions the strings a and b, of equal length, differ
int hamming_distance(const char *a, const char *b) {
    int count = 0;
    for (int i = 0; a[i] != '\0'; i++)
        if (a[i] != b[i]) count++;
    return count;
}

//@ signature: int is_identifier(const char *s)
//@ summary: returns 1 if s is a valid C identifier (a letter or '_', then letters, digits or '_') and 0 otherwise
int is_identifier(const char *s) {
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_')) return 0;
    for (int i = 1; s[i] != '\0'; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

//@ signature: void capitalize_first(char *s)
//@ summary: makes the first character of s uppercase if it is a lowercase letter, in place
void capitalize_first(char *s) {
    if (s[0] >= 'a' && s[0] <= 'z') s[0] = (char)(s[0] - 'a' + 'A');
}

//@ signature: int count_char_pairs(const char *s, char c)
//@ summary: returns how many times two copies of c stand next to each other in s ("ccc" has two)
int count_char_pairs(const char *s, char c) {
    int count = 0;
    for (int i = 0; s[i] != '\0' && s[i + 1] != '\0'; i++)
        if (s[i] == c && s[i + 1] == c) count++;
    return count;
}

//@ signature: int bit_is_set(unsigned int x, int k)
//@ summary: returns 1 if bit k of x is 1 and 0 otherwise (0 <= k < 32)
int bit_is_set(unsigned int x, int k) {
    return (x >> k) & 1u;
}

//@ signature: unsigned int set_bit(unsigned int x, int k)
//@ summary: returns x with bit k set to 1 (0 <= k < 32)
unsigned int set_bit(unsigned int x, int k) {
    return x | (1u << k);
}

//@ signature: unsigned int clear_bit(unsigned int x, int k)
//@ summary: returns x with bit k set to 0 (0 <= k < 32)
unsigned int clear_bit(unsigned int x, int k) {
    return x & ~(1u << k);
}

//@ signature: int is_power_of_two(unsigned int x)
//@ summary: returns 1 if x is a power of two and 0 otherwise
int is_power_of_two(unsigned int x) {
    return x != 0 && (x & (x - 1)) == 0;
}

//@ signature: unsigned int lowest_set_bit(unsigned int x)
//@ summary: returns the value of the lowest 1 bit of x, or 0 if x is 0
unsigned int lowest_set_bit(unsigned int x) {
    return x & (~x + 1u);
}

//@ signature: int *copy_array(const int *a, int n)
//@ summary: returns a newly allocated copy of the n elements of a, or NULL if allocation fails (n >= 1)
#include <stdlib.h>
#include <string.h>

int *copy_array(const int *a, int n) {
    int *copy = malloc((size_t)n * sizeof *copy);
    if (copy != NULL) memcpy(copy, a, (size_t)n * sizeof *copy);
    return copy;
}

//@ signature: void zero_bytes(unsigned char *p, int n)
//@ summary: sets the n bytes starting at p to zero
void zero_bytes(unsigned char *p, int n) {
    for (int i = 0; i < n; i++)
        p[i] = 0;
}

//@ signature: int compare_ints(const void *a, const void *b)
//@ summary: compares the ints that a and b point to for qsort: negative, zero or positive
int compare_ints(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

//@ signature: void sort_ints(int *a, int n)
//@ summary: sorts the n elements of a in ascending order using qsort
#include <stdlib.h>

static int compare(const void *x, const void *y) {
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

void sort_ints(int *a, int n) {
    qsort(a, (size_t)n, sizeof *a, compare);
}
