/* A Lua 5.4 interpreter without files or processes: runs the chunk given as
   its first argument with the base, table, string, math, coroutine and utf8
   libraries. Every Lua error is a longjmp, so a Wasm exception here. */
#include <stdio.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static const luaL_Reg libs[] = {
  {LUA_GNAME, luaopen_base}, {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
  {LUA_MATHLIBNAME, luaopen_math}, {LUA_COLIBNAME, luaopen_coroutine}, {LUA_UTF8LIBNAME, luaopen_utf8},
  {NULL, NULL}};

int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  for (const luaL_Reg *lib = libs; lib->func; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
  int status = argc > 1 ? luaL_dostring(L, argv[1]) : LUA_OK;
  if (status != LUA_OK) printf("error: %s\n", lua_tostring(L, -1));
  lua_close(L);
  return status == LUA_OK ? 0 : 1;
}
