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

/* Dot product of two arrays of n integers. */
long dot_product(const int *a, const int *b, int n) {
    long total = 0;
    for (int i = 0; i < n; i++) {
        total += (long)a[i] * b[i];
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

/* Remove the spaces at the end of a string, in place. */
void trim_trailing_spaces(char *s) {
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ') {
        n--;
    }
    s[n] = '\0';
}

/* The djb2 hash of a string. */
unsigned long hash_string(const char *s) {
    unsigned long h = 5381;
    for (; *s; s++) {
        h = h * 33 + (unsigned char)*s;
    }
    return h;
}

struct point {
    int x;
    int y;
};

/* Distance between two points walking along the grid. */
int manhattan_distance(struct point a, struct point b) {
    int dx = a.x > b.x ? a.x - b.x : b.x - a.x;
    int dy = a.y > b.y ? a.y - b.y : b.y - a.y;
    return dx + dy;
}

/* Sum of the diagonal of an n x n matrix stored row by row. */
int matrix_trace(const int *m, int n) {
    int total = 0;
    for (int i = 0; i < n; i++) {
        total += m[i * n + i];
    }
    return total;
}

/* Compare two strings like strcmp: negative, zero or positive. */
int string_compare(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
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

/* Fill an n x n matrix, stored row by row, with the identity. */
void fill_identity(int *m, int n) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            m[i * n + j] = i == j;
        }
    }
}

/* Next value of a xorshift pseudo-random generator. */
unsigned int xorshift32(unsigned int *state) {
    unsigned int x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
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
    printf("%d %ld %lu\n", xs[0], dot_product(xs, xs, 6), hash_string("abc"));
    return 0;
}
