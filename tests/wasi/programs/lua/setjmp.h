/* setjmp/longjmp for wasm32 through Wasm exceptions: clang lowers setjmp
   calls (-mllvm -wasm-enable-sjlj) to __wasm_setjmp/__wasm_setjmp_test and
   longjmp to __wasm_longjmp, which throws the __c_longjmp tag (wasm_sjlj.c).
   Debian's wasi-libc has no setjmp.h of its own. */
#ifndef WASM_SJLJ_SETJMP_H
#define WASM_SJLJ_SETJMP_H
typedef struct {
  void *func_invocation_id;
  unsigned label;
  struct { void *env; int val; } arg;
} jmp_buf[1];
int setjmp(jmp_buf env) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf env, int val);
#endif
