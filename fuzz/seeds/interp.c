/* A bytecode interpreter: the dispatch switch becomes br_table, the program
   sits in a data segment, the operand stack and the registers in bss, and the
   arithmetic is 64-bit (multiplies of large values, divisions, shifts). */
#include <stdint.h>

enum { PUSH, ADD, SUB, MUL, DIVU, REMS, SHL, SHRS, ROTL, XOR, DUP, SWAP, JNZ, LOAD, STORE, HALT };

static const uint8_t program[] = {
    PUSH, 7, PUSH, 3, MUL, DUP, PUSH, 61, ROTL, XOR, PUSH, 5, STORE,
    PUSH, 1, LOAD, ADD, DUP, PUSH, 9, SHL, SUB, PUSH, 13, REMS, PUSH, 2, STORE,
    LOAD, PUSH, 255, MUL, PUSH, 3, DIVU, DUP, PUSH, 2, SHRS, XOR,
    PUSH, 1, SUB, DUP, JNZ, 30, HALT,
};

static int64_t stack[64];
static int64_t regs[8] = {0x123456789abcdefLL, -1, 1LL << 62, 0, 42, -9000000000LL, 7, 0};

__attribute__((export_name("interp_run")))
int64_t interp_run(int64_t seed, int32_t steps) {
    unsigned pc = 0, sp = 0, budget = (unsigned)steps % 256 + 1;
    stack[sp++] = seed;
    while (budget--) {
        uint8_t op = program[pc++ % sizeof program];
        int64_t a = sp ? stack[sp - 1] : 0, b = sp > 1 ? stack[sp - 2] : 1;
        switch (op) {
        case PUSH: if (sp < 64) stack[sp++] = program[pc++ % sizeof program] * 0x9e3779b97f4a7c15ULL; break;
        case ADD: if (sp > 1) stack[--sp - 1] = a + b; break;
        case SUB: if (sp > 1) stack[--sp - 1] = b - a; break;
        case MUL: if (sp > 1) stack[--sp - 1] = (int64_t)((uint64_t)a * (uint64_t)b); break;
        case DIVU: if (sp > 1) stack[--sp - 1] = a ? (int64_t)((uint64_t)b / (uint64_t)a) : b; break;
        case REMS: if (sp > 1) stack[--sp - 1] = (a && !(a == -1 && b == INT64_MIN)) ? b % a : 0; break;
        case SHL: if (sp > 1) stack[--sp - 1] = (int64_t)((uint64_t)b << (a & 63)); break;
        case SHRS: if (sp > 1) stack[--sp - 1] = b >> (a & 63); break;
        case ROTL: if (sp > 1) stack[--sp - 1] = (int64_t)(((uint64_t)b << (a & 63)) | ((uint64_t)b >> (-a & 63)));
            break;
        case XOR: if (sp > 1) stack[--sp - 1] = a ^ b ^ regs[(unsigned)a % 8]; break;
        case DUP: if (sp < 64 && sp) { stack[sp] = stack[sp - 1]; sp++; } break;
        case SWAP: if (sp > 1) { stack[sp - 1] = b; stack[sp - 2] = a; } break;
        case JNZ: { uint8_t to = program[pc++ % sizeof program]; if (sp && stack[--sp] & 3) pc = to; } break;
        case LOAD: if (sp < 64) stack[sp++] = regs[(uint64_t)a % 8]; break;
        case STORE: if (sp > 1) { regs[(uint64_t)a % 8] = b; sp -= 2; } break;
        default: budget = 0; break;
        }
    }
    int64_t sum = 0;
    for (unsigned i = 0; i < sp; i++)
        sum = sum * 31 + stack[i];
    return sum ^ regs[0];
}

__attribute__((export_name("interp_regs")))
int64_t interp_regs(int32_t which) {
    return regs[(unsigned)which % 8];
}
