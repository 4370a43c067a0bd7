/* The run-time side of clang's setjmp/longjmp lowering to Wasm exceptions
   (what newer wasi-libc ships as libsetjmp): setjmp records which function
   invocation and which of its setjmp calls a jmp_buf belongs to; longjmp
   throws the __c_longjmp tag with a pointer to the buffer's (env, value),
   and the try_table clang put around calls in that invocation catches it,
   asks __wasm_setjmp_test whether the buffer is its own, and rethrows if not. */
#include <stdint.h>
#include <stdlib.h>

struct jmp_buf_impl {
  void *func_invocation_id;
  uint32_t label;
  struct arg { void *env; int val; } arg;
};

void __wasm_setjmp(void *env, uint32_t label, void *func_invocation_id) {
  struct jmp_buf_impl *jb = env;
  if (label == 0 || func_invocation_id == NULL) abort();
  jb->func_invocation_id = func_invocation_id;
  jb->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *func_invocation_id) {
  struct jmp_buf_impl *jb = env;
  return jb->func_invocation_id == func_invocation_id ? jb->label : 0;
}

void __wasm_longjmp(void *env, int val) {
  struct jmp_buf_impl *jb = env;
  jb->arg.env = env;
  jb->arg.val = val == 0 ? 1 : val;
  __builtin_wasm_throw(1, &jb->arg); /* 1: the C longjmp tag */
}

/* The tag itself: one i32 payload, the address of the (env, value) pair. */
__asm__(".globl __c_longjmp\n.tagtype __c_longjmp i32\n__c_longjmp:\n");
