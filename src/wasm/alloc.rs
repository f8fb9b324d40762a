//! The Wasm's global allocator: `lol_alloc`'s free list instead of Rust's default `dlmalloc`.
//!
//! Why: `dlmalloc` is about 8 KB of the module every host page downloads; this allocator is
//! about 1 KB, and the widget makes few allocations, none of them on a hot path (an encryption
//! is P-256 arithmetic on the stack). Its free list is kept in address order and a freed block
//! merges with free neighbours, so a long-lived page that runs many flows reuses its memory
//! instead of fragmenting it; memory comes from `memory.grow` and is never given back, as with
//! `dlmalloc`. The lock is an uncontended spin lock: the widget's Wasm has one thread.

use lol_alloc::{FreeListAllocator, LockedAllocator};

#[global_allocator]
static ALLOCATOR: LockedAllocator<FreeListAllocator> =
    LockedAllocator::new(FreeListAllocator::new());
