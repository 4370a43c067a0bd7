/* Text as C code handles it: a recursive-descent evaluator over expressions in
   a data segment (recursion on the shadow stack, a switch over characters),
   64-bit number formatting and parsing (division and remainder by the base,
   signed and unsigned), 8- and 16-bit values sign-extended, and operators
   called through a table of function pointers with two signatures. */
#include <stdint.h>

static const char *const expressions[] = {
    "(x+3)*(x-5)/7", "x*x*x-((x<<3)^(x>>2))%13", "-(x&255)*-(x|4096)+(x/0)",
    "((((x+1)*2+3)*4+5)*6+7)%1000003", "x-(x-(x-(x-(x-1))))", "(x%0)+(x>>31)*x",
};
static char digits[72];
static int32_t evaluations;  /* how many times text_eval ran: state across calls */

static int64_t op_add(int64_t a, int64_t b) { return a + b; }
static int64_t op_sub(int64_t a, int64_t b) { return a - b; }
static int64_t op_mul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static int64_t op_div(int64_t a, int64_t b) { return b == 0 || (b == -1 && a == INT64_MIN) ? 0 : a / b; }
static int64_t op_rem(int64_t a, int64_t b) { return b == 0 || b == -1 ? 0 : a % b; }
static int64_t op_and(int64_t a, int64_t b) { return a & b; }
static int64_t op_or(int64_t a, int64_t b) { return a | b; }
static int64_t op_xor(int64_t a, int64_t b) { return a ^ b; }
static int32_t op_shl(int32_t a, int32_t b) { return (int32_t)((uint32_t)a << (b & 31)); }
static int32_t op_shr(int32_t a, int32_t b) { return a >> (b & 31); }

typedef struct { const char *p; int64_t x; int depth; } parser;

static int64_t expr(parser *ps);

static int64_t primary(parser *ps) {
    char c = *ps->p++;
    switch (c) {
    case '(': { int64_t v = ps->depth++ < 16 ? expr(ps) : 0; ps->p++; ps->depth--; return v; }
    case '-': return -primary(ps);
    case 'x': return ps->x;
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9': {
        int64_t v = c - '0';
        while (*ps->p >= '0' && *ps->p <= '9')
            v = v * 10 + (*ps->p++ - '0');
        return v;
    }
    default: return 0;
    }
}

static int64_t term(parser *ps) {
    static int64_t (*const ops[])(int64_t, int64_t) = {op_mul, op_div, op_rem, op_and};
    int64_t v = primary(ps);
    for (;;) {
        const char *at = ps->p;
        int which = *at == '*' ? 0 : *at == '/' ? 1 : *at == '%' ? 2 : *at == '&' ? 3 : -1;
        if (which < 0)
            return v;
        ps->p++;
        v = ops[which](v, primary(ps));
    }
}

static int64_t expr(parser *ps) {
    static int64_t (*const ops[])(int64_t, int64_t) = {op_add, op_sub, op_or, op_xor};
    static int32_t (*const shifts[])(int32_t, int32_t) = {op_shl, op_shr};
    int64_t v = term(ps);
    for (;;) {
        char c = *ps->p;
        if (c == '<' || c == '>') {
            ps->p += 2;
            v = shifts[c == '>']((int32_t)v, (int32_t)term(ps));
            continue;
        }
        int which = c == '+' ? 0 : c == '-' ? 1 : c == '|' ? 2 : c == '^' ? 3 : -1;
        if (which < 0)
            return v;
        ps->p++;
        v = ops[which](v, term(ps));
    }
}

__attribute__((export_name("text_eval")))
int64_t text_eval(int32_t which, int64_t x) {
    parser ps = {expressions[(unsigned)which % (sizeof expressions / sizeof *expressions)], x, 0};
    evaluations++;
    return expr(&ps) ^ evaluations;
}

__attribute__((export_name("text_format")))
int32_t text_format(int64_t value, int32_t base) {
    unsigned b = (unsigned)base % 35 + 2, n = 0;
    uint64_t u = value < 0 ? -(uint64_t)value : (uint64_t)value;
    __builtin_memset(digits, 0, sizeof digits);
    do {
        unsigned d = (unsigned)(u % b);
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        u /= b;
    } while (u && n < sizeof digits - 2);
    if (value < 0)
        digits[n++] = '-';
    for (unsigned i = 0; i < n / 2; i++) {
        char t = digits[i];
        digits[i] = digits[n - 1 - i];
        digits[n - 1 - i] = t;
    }
    int32_t sum = 0;
    for (unsigned i = 0; i < n; i++)
        sum = sum * 31 + (int8_t)(digits[i] << 1);  /* sign-extended bytes */
    return sum;
}

__attribute__((export_name("text_parse")))
int64_t text_parse(int32_t skip) {
    const char *p = digits + (unsigned)skip % 4;
    int negative = *p == '-';
    p += negative;
    int64_t v = 0;
    while (*p >= '0' && *p <= '9')
        v = (int64_t)((uint64_t)v * 10 + (uint64_t)(*p++ - '0'));
    int16_t low = (int16_t)v;
    return (negative ? -v : v) + low;
}
