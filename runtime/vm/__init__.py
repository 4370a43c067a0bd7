"""Stage three: what runs, per instance and per store.

``context`` holds the ``VMContext`` and the memories, tables and globals of
an instance; ``libcalls`` every call generated code makes into the runtime;
``membuf`` the growable buffers and copy-on-write images of linear memories;
``atomics`` shared-memory operations; ``interrupts`` fuel and epochs;
``funcref`` function references; ``allocator`` on-demand and pooled
allocation; ``async_call`` calls that yield to an event loop. Imports
``binary`` and ``errors`` only: nothing here knows how code was compiled or
what the host API looks like.
"""
