#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Return the larger of two integers. */
int max_int(int a, int b) {
    return a > b ? a : b;
}

/* Return the smaller of two integers. */
int min_int(int a, int b) {
    return a < b ? a : b;
}

/* Sum the first n elements of an array. */
long sum_array(const int *xs, int n) {
    long total = 0;
    for (int i = 0; i < n; i++) {
        total += xs[i];
    }
    return total;
}

/* Index of the first occurrence of x, or -1. */
int find_index(const int *xs, int n, int x) {
    for (int i = 0; i < n; i++) {
        if (xs[i] == x) {
            return i;
        }
    }
    return -1;
}

/* Reverse a string in place. */
void reverse_string(char *s) {
    size_t n = strlen(s);
    for (size_t i = 0; i < n / 2; i++) {
        char tmp = s[i];
        s[i] = s[n - 1 - i];
        s[n - 1 - i] = tmp;
    }
}

/* 1 if n is prime, 0 otherwise. */
int is_prime(int n) {
    if (n < 2) {
        return 0;
    }
    for (int d = 2; d * d <= n; d++) {
        if (n % d == 0) {
            return 0;
        }
    }
    return 1;
}

/* Greatest common divisor by Euclid's algorithm. */
int gcd(int a, int b) {
    while (b != 0) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* n-th Fibonacci number, iteratively. */
long fibonacci(int n) {
    long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        long t = a + b;
        a = b;
        b = t;
    }
    return a;
}

/* Count the vowels in a string. */
int count_vowels(const char *s) {
    int count = 0;
    for (; *s; s++) {
        if (strchr("aeiouAEIOU", *s) != NULL) {
            count++;
        }
    }
    return count;
}

/* Sort an array with insertion sort. */
void insertion_sort(int *xs, int n) {
    for (int i = 1; i < n; i++) {
        int key = xs[i];
        int j = i - 1;
        while (j >= 0 && xs[j] > key) {
            xs[j + 1] = xs[j];
            j--;
        }
        xs[j + 1] = key;
    }
}

/* Binary search in a sorted array; -1 when absent. */
int binary_search(const int *xs, int n, int x) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (xs[mid] == x) {
            return mid;
        } else if (xs[mid] < x) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return -1;
}

/* Copy a string into freshly allocated memory. */
char *duplicate(const char *s) {
    size_t n = strlen(s) + 1;
    char *out = malloc(n);
    if (out == NULL) {
        return NULL;
    }
    memcpy(out, s, n);
    return out;
}

/* 1 if the string reads the same both ways. */
int is_palindrome(const char *s) {
    size_t n = strlen(s);
    for (size_t i = 0; i < n / 2; i++) {
        if (s[i] != s[n - 1 - i]) {
            return 0;
        }
    }
    return 1;
}

/* Factorial of n, with 0! = 1. */
long factorial(int n) {
    long result = 1;
    for (int i = 2; i <= n; i++) {
        result *= i;
    }
    return result;
}

/* Average of an array, 0.0 when empty. */
double average(const double *xs, int n) {
    if (n == 0) {
        return 0.0;
    }
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        total += xs[i];
    }
    return total / n;
}

int main(void) {
    int xs[] = {5, 3, 8, 1, 9, 2};
    insertion_sort(xs, 6);
    printf("%d %ld %d\n", xs[0], sum_array(xs, 6), gcd(12, 18));
    return 0;
}
